using ClusterGroups.Api.Cluster;
using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Api.Reconciliation;
using ClusterGroups.Api.Upgrades;

namespace ClusterGroups.Api.Maintenance;

// Why a membership change was refused: nothing changed.
public class MembershipRefusedException(string message) : Exception(message);

// Refused by the upgrade gate: live replicas run an older protocol (ProtocolVersions.MembershipChanges).
public sealed class OlderReplicasRefusedException(string message) : MembershipRefusedException(message);

// The operator's membership changes, each one new epoch recorded by compare-and-set in the coordinator:
//   drain    the node becomes Out: operations begun from that epoch on leave it out (their answers name the nodes they
//            cover), nothing reads it; the change waits (bounded) for the operations of earlier epochs that write it
//            to close, so once drained it can be stopped without failing a write. Never the last active node, and never
//            the last active node of ours while the seed's nodes would be left as the only truth (OursAsync);
//   rejoin   an Out node (or one added with an address) becomes Joining: every new operation writes it, nothing reads
//            it, and Backfill makes it equal to the active nodes and then Active (JoinBackfill);
//   remove   an Out node leaves the membership.
// Every change, the backfill's promotion too, passes the upgrade gate in the coordinator's write (MembershipGate).
public sealed class MembershipChanges(
    ClusterMembership membership, ClusterDirectory cluster, ICoordinator coordinator, MembershipGate gate, NodeDialects dialects,
    TimeProvider time)
{
    public static readonly TimeSpan DrainWait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    public async Task<DrainResult> DrainAsync(string name, CancellationToken ct)
    {
        var ours = await OursAsync(name, ct);
        var next = await ChangeAsync(current =>
        {
            var role = Known(current, name);
            if (role == MemberRole.Out)
            {
                return null;
            }

            if (current.Truth.Count(n => !string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) == 0)
            {
                throw new MembershipRefusedException($"'{name}' is the last active node: draining it would leave no node to read as truth.");
            }

            if (ours.Contains(name) && !current.Truth.Any(n => !string.Equals(n, name, StringComparison.OrdinalIgnoreCase) && ours.Contains(n)))
            {
                throw new MembershipRefusedException(
                    $"'{name}' is the last active node that honours Idempotency-Keys and fencing tokens: draining it would leave only the seed's " +
                    "nodes as truth, where a stale owner's late write cannot be refused nor seen against another node.");
            }

            return current.With(name, MemberRole.Out);
        }, ct);
        var open = await OlderOpenAsync(next.Epoch, op => op.Node(name) is not null, DrainWait, ct);
        return new DrainResult(next, open);
    }

    // Which of the drained node and the other active nodes are known to honour keys and fencing tokens (NodeDialects:
    // learned, configured, or probed now). Probed only as far as the rule needs: nothing when the drained node is the
    // seed's, and no further than the first other active node of ours. A node that cannot be told counts as not ours.
    private async Task<IReadOnlySet<string>> OursAsync(string name, CancellationToken ct)
    {
        var ours = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (!await HonoursKeysAsync(name, ct))
        {
            return ours;
        }

        ours.Add(name);
        var current = await membership.RefreshAsync(ct);
        foreach (var other in current.Truth.Where(n => !string.Equals(n, name, StringComparison.OrdinalIgnoreCase)))
        {
            if (await HonoursKeysAsync(other, ct))
            {
                ours.Add(other);
                break;
            }
        }

        return ours;
    }

    private async Task<bool> HonoursKeysAsync(string name, CancellationToken ct) =>
        cluster.Find(name) is { } node && await dialects.HonoursKeysAsync(node, ct) == true;

    public Task<Membership> RejoinAsync(string name, CancellationToken ct) =>
        ChangeAsync(current => Known(current, name) switch
        {
            MemberRole.Out => current.With(name, MemberRole.Joining),
            MemberRole.Joining => null,
            _ => throw new MembershipRefusedException($"'{name}' is active; only a drained node rejoins (drain it first)."),
        }, ct);

    // A node not in Cluster:Nodes, reached at `address`, joins (and is backfilled like a rejoining node).
    public Task<Membership> AddAsync(string name, string address, CancellationToken ct) =>
        ChangeAsync(current => current.RoleOf(name) is null && cluster.Find(name) is null
            ? current.With(name, MemberRole.Joining, address)
            : throw new MembershipRefusedException($"'{name}' is already a node of the cluster."), ct);

    public Task<Membership> RemoveAsync(string name, CancellationToken ct) =>
        ChangeAsync(current => Known(current, name) == MemberRole.Out
            ? current.Without(name)
            : throw new MembershipRefusedException($"'{name}' is not drained; drain it first."), ct);

    // Promotes joining nodes to active once the backfill has made them equal (JoinBackfill); null: changed meanwhile.
    public async Task<Membership?> PromoteAsync(Membership checkedAt, CancellationToken ct)
    {
        var next = new Membership(checkedAt.Epoch + 1,
            [.. checkedAt.Members.Select(m => m.Role == MemberRole.Joining ? m with { Role = MemberRole.Active } : m)]);
        return await RecordAsync(next, ct) ? await membership.RefreshAsync(ct) : null;
    }

    // Open operations begun under an epoch before `epoch` that match; waited for up to `wait`: those still open then.
    public async Task<IReadOnlyList<string>> OlderOpenAsync(
        long epoch, Func<OperationState, bool> which, TimeSpan wait, CancellationToken ct)
    {
        var until = time.GetUtcNow() + wait;
        while (true)
        {
            var open = (await coordinator.ListOpenAsync(ct)).Where(op => op.Epoch < epoch && which(op)).Select(op => op.Id).ToList();
            if (open.Count == 0 || time.GetUtcNow() >= until)
            {
                return open;
            }

            await Task.Delay(Poll, time, ct);
        }
    }

    // The compare-and-set, behind the upgrade gate (MembershipGate).
    private async Task<bool> RecordAsync(Membership next, CancellationToken ct)
    {
        try
        {
            return await coordinator.ChangeMembershipAsync(next, gate.Needs(), ct);
        }
        catch (OlderReplicasLiveException e)
        {
            throw new OlderReplicasRefusedException(ReplicaVersions.Refusal(MembershipGate.Feature, e.Older));
        }
    }

    private static MemberRole Known(Membership current, string name) =>
        current.RoleOf(name) ?? throw new MembershipRefusedException($"'{name}' is not a node of the cluster.");

    // One compare-and-set on the epoch, tried again on the membership that won if another change came first. The
    // plan returns null when the change is already made (the call is idempotent).
    private async Task<Membership> ChangeAsync(Func<Membership, Membership?> plan, CancellationToken ct)
    {
        for (var tries = 0; ; tries++)
        {
            var current = await membership.RefreshAsync(ct);
            if (plan(current) is not { } next)
            {
                return current;
            }

            if (await RecordAsync(next, ct))
            {
                return await membership.RefreshAsync(ct);
            }

            if (tries >= 10)
            {
                throw new MembershipRefusedException("The membership kept changing under this request; try again.");
            }
        }
    }
}

// Open: operations of earlier epochs that still write the drained node after DrainWait (usually none).
public sealed record DrainResult(Membership Membership, IReadOnlyList<string> Open);
