namespace ClusterGroups.Client;

// One create or delete on its way: what its request carries, the client it was asked of (whose HttpClient sends it),
// and where its answer goes when it waits for a batch.
internal sealed class PendingWrite(ClusterGroupsClient client, OperationKind kind, string groupId, string key, DateTimeOffset deadline, CancellationToken cancellation)
{
    public ClusterGroupsClient Client { get; } = client;

    public OperationKind Kind { get; } = kind;
    public string GroupId { get; } = groupId;
    public string Key { get; } = key;
    public DateTimeOffset Deadline { get; } = deadline;
    public CancellationToken Cancellation { get; } = cancellation;

    // What its own request is: POST or DELETE /v1/group/.
    public HttpMethod Method => Kind == OperationKind.Create ? HttpMethod.Post : HttpMethod.Delete;

    // Continuations run on their own: a batch's answers are handed out in a loop that must not run callers' code.
    public TaskCompletionSource<ApiAnswer> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
