using ClusterGroups.Api.Model;

namespace ClusterGroups.Api.Coordinator;

// The coordinator: where groups are leased and operations journaled, shared by every Api replica. One port, one
// implementation per store (RedisCoordinator, InMemoryCoordinator, and PostgreSQL's), each method one atomic step
// of the store (one round trip). The rules above it that do not depend on the store — how a token is proposed, how
// a busy lease is waited for, how a lease is kept — are Coordination's and GroupLease's.
//
// Guarantees every implementation keeps (the conformance tests check them against each other):
// - Leases: a group has at most one lease at a time; it expires Duration after it was taken or last renewed, judged
//   by the store's clock; only its owner renews or releases it.
// - Fencing tokens: a lease is taken only with a token above the group's current one, which it then becomes (never
//   lower, also across restarts of the store's process); a refused proposal learns the current one (Stale).
// - Owner-checked journal: Begin, Save and Close write only while the operation's Fence is not below the group's
//   current token, else throw CoordinatorFencedException and change nothing.
// - One open operation per group, and it is the group's last: Acquire reports the last one and whether it is open.
// - Close records the desired state the operation decided (DesiredGroup.Of) and frees the lease of releaseOwner,
//   in the same step as the save.
// - Idempotency-Key: an operation that carries a key (OperationState.Key) is begun only if no request recorded that
//   key before, and its beginning records the key (KeyedRequest) in the same step; a key already recorded is
//   answered instead (LeaseAnswer.Keyed, or BeginAsync's answer) and nothing is done. A recorded key is kept while its
//   operation is open and for CoordinatorOptions.IdempotencyKeyWindow after its close.
// - Membership: the cluster's nodes with an epoch that only grows (Membership), changed only by compare-and-set on the
//   epoch. An operation is begun (Acquire with `begin`, Begin) only if its Epoch is the recorded one (0 while none is
//   recorded), checked in the same step; else MembershipChangedException and nothing is done. A gated change is
//   recorded only while no live replica announces an older protocol, checked in the step that records it.
// - Replicas: each Api replica's announcement (ReplicaAnnouncement) lives for the time it was announced for, judged by
//   the store's clock; ListReplicasAsync answers only the live ones.
// Failures of the store are CoordinatorStoreException (the effect of a write whose answer never came is unknown).
public interface ICoordinator
{
    // Steps 1 and 2: take the group's lease (request), read the group's last operation and, when `begin` is given
    // and that one is closed, begin it (it carries the request's owner and token already). When `begin` carries a
    // key already recorded: Keyed, and nothing else is done (not even the lease taken).
    Task<LeaseAnswer> AcquireAsync(LeaseRequest request, OperationState? begin, CancellationToken ct);

    // Extends the lease by its duration if `owner` still holds it; false if it does not.
    Task<bool> RenewAsync(string groupId, string owner, TimeSpan duration, CancellationToken ct);

    // Frees the lease if `owner` still holds it (never one another owner took since).
    Task ReleaseAsync(string groupId, string owner, CancellationToken ct);

    // Begins an operation under a lease already held (Acquire did not, because the last one had to be finished).
    // Null: begun. Otherwise the operation's key was recorded meanwhile by another request: what it names, nothing written.
    Task<KeyedRequest?> BeginAsync(OperationState op, CancellationToken ct);

    // Records the progress of an open operation.
    Task SaveAsync(OperationState op, CancellationToken ct);

    // A request with an Idempotency-Key whose Request-Deadline passed before it began: records that the key's request
    // was refused (KeyedRequest.PastDeadline, kept for the key window), unless the key already names a request, which
    // is then returned and nothing written. Atomic with the key check of Start and Begin, so a key names one fate:
    // an operation begun (a retry is answered with it), or a refusal (a try still on its way begins nothing).
    Task<KeyedRequest?> RefuseKeyAsync(RequestKey key, KeyedRequest refusal, CancellationToken ct);

    // Step 7: the closing save, the desired state it decided, and (unless null) the release of releaseOwner's lease.
    Task CloseAsync(OperationState op, string? releaseOwner, CancellationToken ct);

    Task<OperationState?> GetAsync(string operationId, CancellationToken ct);

    // Open operations (running, or pending repair), oldest first.
    Task<IReadOnlyList<OperationState>> ListOpenAsync(CancellationToken ct);

    // The group's last operation, if the journal still has its entry.
    Task<OperationState?> LastForGroupAsync(string groupId, CancellationToken ct);

    // Operations matching the query, newest first, one page; backed by indexes per group and per outcome.
    Task<OperationPage> SearchAsync(OperationQuery query, CancellationToken ct);

    // The desired state of these groups, where one is recorded.
    Task<IReadOnlyDictionary<string, DesiredGroup>> GetDesiredAsync(IReadOnlyCollection<string> groupIds, CancellationToken ct);

    // Every recorded desired state, a page at a time (cursor null: the first page; DesiredPage.Next null: the last).
    // A group may come twice in one pass (Redis' HSCAN while the hash grows) and a group recorded during the pass may
    // be missed: the audit that reads it (JournalDigest) counts each group once and checks what it finds again.
    Task<DesiredPage> ListDesiredAsync(string? cursor, int limit, CancellationToken ct);

    // The membership recorded, or null while none is (epoch 0: Cluster:Nodes, all active).
    Task<Membership?> GetMembershipAsync(CancellationToken ct);

    // Records `next` if the recorded epoch is still next.Epoch - 1 (0 while none is recorded); false, and nothing
    // written, if another change came first. With `needs` above 0 (the upgrade gate, ProtocolVersions), also only if
    // no live announcement names a protocol below it, checked in the same step: else OlderReplicasLiveException.
    Task<bool> ChangeMembershipAsync(Membership next, int needs, CancellationToken ct);

    // Records or renews the replica's announcement, live for `ttl` from now on the store's clock.
    Task AnnounceAsync(ReplicaAnnouncement replica, TimeSpan ttl, CancellationToken ct);

    // Removes the replica's announcement (a replica stopping).
    Task WithdrawAsync(string replica, CancellationToken ct);

    // The announcements still live, by replica.
    Task<IReadOnlyList<ReplicaAnnouncement>> ListReplicasAsync(CancellationToken ct);
}

// One page of the recorded desired states; Next: where the following page starts, null after the last.
public sealed record DesiredPage(IReadOnlyList<KeyValuePair<string, DesiredGroup>> Groups, string? Next);

// A proposal to take a group's lease: for Owner, with fencing token Token, for Duration.
public sealed record LeaseRequest(string GroupId, string Owner, long Token, TimeSpan Duration);

// What a store answered to a lease proposal.
public abstract record LeaseAnswer
{
    // The token proposed was not above the group's current one (Current): nothing was done; propose above it.
    public sealed record Stale(long Current) : LeaseAnswer;

    // Another owner holds the lease: nothing was done.
    public sealed record Busy : LeaseAnswer;

    // The lease is taken with the token. LastId: the group's last operation (a pointer that outlives its entry),
    // LastOpen: whether it is still open (then nothing was begun), Begun: the operation asked for is in the journal.
    public sealed record Taken(string? LastId, bool LastOpen, bool Begun) : LeaseAnswer;

    // The operation to begin carries an Idempotency-Key an earlier request recorded: what it names. Nothing was done.
    public sealed record Keyed(KeyedRequest Request) : LeaseAnswer;
}
