namespace ClusterGroups.Client;

/// <summary>Which operations to list (<c>GET /v1/operations</c>), newest first.</summary>
public sealed record OperationQuery
{
    /// <summary>At most this many (1-1000; the Api's default is 100).</summary>
    public int? Limit { get; init; }

    /// <summary>Only operations still running or pending repair.</summary>
    public bool OpenOnly { get; init; }

    /// <summary>Only operations on this group.</summary>
    public string? GroupId { get; init; }

    /// <summary>Only operations with this outcome.</summary>
    public Outcome? Outcome { get; init; }

    /// <summary>Only operations started since: an ISO 8601 time, or an age such as <c>90s</c>, <c>15m</c>, <c>1h</c>, <c>2d</c>.</summary>
    public string? Since { get; init; }

    /// <summary>Only operations asked for by this caller: the name of the key that sent them (<see cref="OperationReport.Caller"/>).</summary>
    public string? Caller { get; init; }

    /// <summary>The <see cref="OperationList.Next"/> of the previous page.</summary>
    public string? Cursor { get; init; }
}
