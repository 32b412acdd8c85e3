namespace ClusterGroups.Api.Nodes;

// One answer of a node as NodeClient reads it into a NodeCall: a single call's HTTP response (HttpNodeAnswer), or one
// item of a batch answer read where it lies in the batch's JSON (BatchItemAnswer). One reading for both, so a batched
// write's NodeCall is its single call's; the item is not made into an HttpResponseMessage first (headers parsed,
// body written out and read back: the Api's CPU per batched write).
public abstract class NodeAnswer
{
    public abstract int Status { get; }

    public bool IsSuccess => Status is >= 200 and <= 299;

    // The first value of a response header (not a content header), or null when the answer has none.
    public abstract string? Header(string name);

    public bool Has(string name) => Header(name) is not null;

    // Retry-After as a delay (an HTTP date gives none), as HttpResponseHeaders.RetryAfter reads it.
    public abstract TimeSpan? RetryAfter { get; }

    public abstract string? MediaType { get; }

    public abstract string? ReasonPhrase { get; }

    public abstract Task<string> TextAsync(CancellationToken ct);

    // The body as JSON with the web defaults (as ReadFromJsonAsync reads it); JsonException when it is none.
    public abstract Task<T?> JsonAsync<T>(CancellationToken ct);
}
