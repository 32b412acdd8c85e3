namespace ClusterGroups.Api.Coordinator;

// Group commit toward the coordinator: several operations' writes in one step of the store, each checked and answered
// on its own exactly as its single call (ICoordinator) would be — fencing, the membership epoch, the Idempotency-Key,
// the lease — and each seeing what the writes before it in the batch did. A failure of the store as a whole
// (CoordinatorStoreException) is every write's: the effect of each is unknown, as for a single call whose answer
// never came. RedisCoordinator runs a batch as one script and batches by itself (CoordinatorWriteQueue);
// InMemoryCoordinator and PostgresCoordinator answer a batch one write after another (OneByOneAsync) and are never
// sent one by the Api.
public interface ICoordinatorBatch
{
    Task<IReadOnlyList<CoordinatorAnswer>> CommitAsync(IReadOnlyList<CoordinatorWrite> writes, CancellationToken ct);

    // A batch as the single calls, in order: for a coordinator without a batch step of its own.
    public static async Task<IReadOnlyList<CoordinatorAnswer>> OneByOneAsync(
        ICoordinator coordinator, IReadOnlyList<CoordinatorWrite> writes, CancellationToken ct)
    {
        var answers = new List<CoordinatorAnswer>(writes.Count);
        foreach (var write in writes)
        {
            try
            {
                answers.Add(new CoordinatorAnswer(await SingleAsync(coordinator, write, ct), null));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                answers.Add(new CoordinatorAnswer(null, e));
            }
        }

        return answers;
    }

    private static async Task<object?> SingleAsync(ICoordinator coordinator, CoordinatorWrite write, CancellationToken ct)
    {
        switch (write)
        {
            case CoordinatorWrite.Start start:
                return await coordinator.AcquireAsync(start.Request, start.Op, ct);
            case CoordinatorWrite.Begin begin:
                return await coordinator.BeginAsync(begin.Op, ct);
            case CoordinatorWrite.Save save:
                await coordinator.SaveAsync(save.Op, ct);
                return null;
            case CoordinatorWrite.Close close:
                await coordinator.CloseAsync(close.Op, close.ReleaseOwner, ct);
                return null;
            default:
                throw new ArgumentOutOfRangeException(nameof(write), write, "not a write of a batch");
        }
    }
}
