using ClusterGroups.Api.Cluster;
using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Api.Reconciliation;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.Maintenance;

// Makes joining nodes equal to the active ones, then active. While a node joins, every new operation writes it, so it
// only has to catch up on what was written before: the operations of earlier epochs (which left it out) are waited
// for, then the groups on which the active nodes agree are copied to the joining nodes in bulk (JoiningCopy: fenced
// batches, a million groups in minutes rather than a million operations), then the reconciler repairs every group in
// which the nodes still differ (found by digests; each repair a journaled operation under the group's lease, so
// concurrent writes are never overtaken), and once the digests of every written node agree the joining nodes become
// active by compare-and-set on the epoch checked. A node never serves as truth before that check.
public sealed partial class JoinBackfill(
    ClusterMembership membership, MembershipChanges changes, JoiningCopy copy, Reconciler reconciler, ConsistencyCheck check,
    ICoordinator coordinator, IOptions<BackfillOptions> options, ILogger<JoinBackfill> logger)
{
    // One round: null when no node is joining; else what it found and whether the joining nodes became active.
    public async Task<BackfillRound?> RunAsync(CancellationToken ct)
    {
        var current = await membership.RefreshAsync(ct);
        var joining = current.Members.Where(m => m.Role == MemberRole.Joining).Select(m => m.Name).ToList();
        if (joining.Count == 0)
        {
            return null;
        }

        var older = await changes.OlderOpenAsync(current.Epoch, _ => true, MembershipChanges.DrainWait, ct);
        if (older.Count > 0)
        {
            return new BackfillRound(current, joining, 0, false, $"{older.Count} operation(s) of earlier epochs still open");
        }

        var copied = options.Value.Bulk ? await copy.RunAsync(current, ct) : null;
        var report = await reconciler.RunAsync(UnexplainedPolicy.Report, ct);

        // An operation open around the check may still roll back, and a rollback puts a joining node back as it was
        // before the operation: stale, if that operation had itself brought the node level with the others (seen by
        // the simulator, seeds 45, 174, 186: an in-flight create made the joining node equal, the check passed, and
        // the create's rollback deleted the group there again). So the check counts only if no operation was open
        // just before it and just after it, and none rolled back in between.
        var quietBefore = await QuietAsync(ct);
        // Checked again after the repairs, on the same epoch: equal digests on every written node.
        var after = await check.RunAsync(ct);
        var quietAfter = await QuietAsync(ct);
        if (quietBefore is null || quietAfter is null || !quietBefore.SetEquals(quietAfter))
        {
            return new BackfillRound(current, joining, report.Repaired.Count, false, "operations were open or rolled back around the check", copied);
        }

        if (!after.Consistent)
        {
            LogNotYet(string.Join(", ", joining), after.Divergent.Count, report.Repaired.Count);
            return new BackfillRound(current, joining, report.Repaired.Count, false,
                $"{after.Divergent.Count} group(s) still differ, {after.Unreachable.Count} node(s) unreachable", copied);
        }

        Membership? promoted;
        try
        {
            promoted = await changes.PromoteAsync(current, ct);
        }
        catch (OlderReplicasRefusedException e)
        {
            // Tried again in a later round, once the older replicas are gone (the rolling upgrade done).
            return new BackfillRound(current, joining, report.Repaired.Count, false, e.Message, copied);
        }

        if (promoted is not null)
        {
            LogPromoted(string.Join(", ", joining), promoted.Epoch, report.Repaired.Count);
        }

        return new BackfillRound(promoted ?? current, joining, report.Repaired.Count, promoted is not null,
            promoted is null ? "the membership changed during the check" : null, copied);
    }

    // Null while any operation is open; else the newest rolled-back operations (what a rollback in between would change).
    private async Task<HashSet<string>?> QuietAsync(CancellationToken ct)
    {
        if ((await coordinator.ListOpenAsync(ct)).Count > 0)
        {
            return null;
        }

        var rolledBack = await coordinator.SearchAsync(new OperationQuery(null, false, Outcome.RolledBack, null, 50, null), ct);
        return [.. rolledBack.Operations.Select(op => op.Id)];
    }

    [LoggerMessage(LogLevel.Information, "Backfill: {Nodes} not equal yet ({Divergent} group(s) differ after {Repaired} repair(s))")]
    private partial void LogNotYet(string nodes, int divergent, int repaired);

    [LoggerMessage(LogLevel.Warning, "Backfill: {Nodes} equal to the active nodes after {Repaired} repair(s): active at epoch {Epoch}")]
    private partial void LogPromoted(string nodes, long epoch, int repaired);
}

// Repaired: groups the round repaired by journaled operations; Active: the joining nodes became active; Waiting: why
// not (null when they did); Copied: what the bulk copy did before the repairs (null when the round did not get there).
public sealed record BackfillRound(
    Membership Membership, IReadOnlyList<string> Joining, int Repaired, bool Active, string? Waiting, JoiningCopyResult? Copied = null);
