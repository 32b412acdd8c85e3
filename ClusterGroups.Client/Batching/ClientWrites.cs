namespace ClusterGroups.Client;

// The group commit a client's creates and deletes go through (WriteBatcher), and whether the Api refused batches. A
// client made by hand has its own. The clients AddClusterGroupsClient hands out share one: a typed HttpClient client is
// a new instance per resolution, and an app that resolves one per request (a controller's, a handler's) would
// otherwise batch nothing, each instance seeing only its own caller's write. Every instance the container makes has
// the same options and the same handlers, so any of them may carry the others' writes: a batch goes through the
// client of its first write (PendingWrite.Client), a write alone through its own.
internal sealed class ClientWrites(ClusterGroupsClientOptions options)
{
    public WriteBatcher? Batcher { get; } = options.Batching
        ? new WriteBatcher(write => write.Client.SendOneAsync(write), writes => writes[0].Client.SendBatchAsync(writes),
            options.MaxWritesInFlight, options.MaxBatchWrites)
        : null;

    // An Api without POST /v1/batch (older than this client) answered 404 or 405: writes then go alone.
    public volatile bool BatchesRefused;
}
