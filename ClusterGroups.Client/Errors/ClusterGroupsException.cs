namespace ClusterGroups.Client;

/// <summary>A call to the ClusterGroups Api that did not end in an answer the client returns.</summary>
public class ClusterGroupsException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ClusterGroupsException(string message, string request, string? idempotencyKey = null, Exception? inner = null)
        : base(message, inner)
    {
        Request = request;
        IdempotencyKey = idempotencyKey;
    }

    /// <summary>The request, as method and path (<c>POST /v1/group/</c>).</summary>
    public string Request { get; }

    /// <summary>
    /// The write's <c>Idempotency-Key</c> (null for reads): send the write again with it
    /// (<see cref="WriteOptions.IdempotencyKey"/>) and the Api answers with the operation this one started, if any.
    /// </summary>
    public string? IdempotencyKey { get; }
}
