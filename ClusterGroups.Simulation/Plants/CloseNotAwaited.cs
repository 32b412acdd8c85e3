using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Model;

namespace ClusterGroups.Simulation.Plants;

// answer-before-close: every close of the replica (its answering one at step 7, and recovery's, a resumed
// operation's, an operator's abandon) returns at once and the real close goes on behind it (a lost or fenced one is
// forgotten), so an operation is answered before the journal holds its decision. What a c=1 latency cut by
// pipelining the close behind the answer would do: the seeds find answers the journal later contradicts (a takeover
// of the operation whose close came too late concluding otherwise). Everything else is forwarded.
public sealed class CloseNotAwaited(ICoordinator real) : ICoordinator
{
    public Task CloseAsync(OperationState op, string? releaseOwner, CancellationToken ct)
    {
        _ = CloseBehindAsync(op, releaseOwner);
        return Task.CompletedTask;
    }

    // Started on the replica's own actor, as the protocol's await would have been: its continuations stay there.
    private async Task CloseBehindAsync(OperationState op, string? releaseOwner)
    {
        try
        {
            // Not the caller's token: the caller is gone once it has its answer.
            await real.CloseAsync(op, releaseOwner, CancellationToken.None);
        }
        catch (Exception)
        {
            // Nobody is waiting for it any more: the operation stays open for recovery.
        }
    }

    public Task<LeaseAnswer> AcquireAsync(LeaseRequest request, OperationState? begin, CancellationToken ct) => real.AcquireAsync(request, begin, ct);

    public Task<bool> RenewAsync(string groupId, string owner, TimeSpan duration, CancellationToken ct) => real.RenewAsync(groupId, owner, duration, ct);

    public Task ReleaseAsync(string groupId, string owner, CancellationToken ct) => real.ReleaseAsync(groupId, owner, ct);

    public Task<KeyedRequest?> BeginAsync(OperationState op, CancellationToken ct) => real.BeginAsync(op, ct);

    public Task SaveAsync(OperationState op, CancellationToken ct) => real.SaveAsync(op, ct);

    public Task<KeyedRequest?> RefuseKeyAsync(RequestKey key, KeyedRequest refusal, CancellationToken ct) => real.RefuseKeyAsync(key, refusal, ct);

    public Task<OperationState?> GetAsync(string operationId, CancellationToken ct) => real.GetAsync(operationId, ct);

    public Task<IReadOnlyList<OperationState>> ListOpenAsync(CancellationToken ct) => real.ListOpenAsync(ct);

    public Task<OperationState?> LastForGroupAsync(string groupId, CancellationToken ct) => real.LastForGroupAsync(groupId, ct);

    public Task<OperationPage> SearchAsync(OperationQuery query, CancellationToken ct) => real.SearchAsync(query, ct);

    public Task<IReadOnlyDictionary<string, DesiredGroup>> GetDesiredAsync(IReadOnlyCollection<string> groupIds, CancellationToken ct) =>
        real.GetDesiredAsync(groupIds, ct);

    public Task<DesiredPage> ListDesiredAsync(string? cursor, int limit, CancellationToken ct) => real.ListDesiredAsync(cursor, limit, ct);

    public Task<Membership?> GetMembershipAsync(CancellationToken ct) => real.GetMembershipAsync(ct);

    public Task<bool> ChangeMembershipAsync(Membership next, int needs, CancellationToken ct) => real.ChangeMembershipAsync(next, needs, ct);

    public Task AnnounceAsync(ReplicaAnnouncement replica, TimeSpan ttl, CancellationToken ct) => real.AnnounceAsync(replica, ttl, ct);

    public Task WithdrawAsync(string replica, CancellationToken ct) => real.WithdrawAsync(replica, ct);

    public Task<IReadOnlyList<ReplicaAnnouncement>> ListReplicasAsync(CancellationToken ct) => real.ListReplicasAsync(ct);
}
