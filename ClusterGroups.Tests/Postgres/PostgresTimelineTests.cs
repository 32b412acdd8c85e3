using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Coordinator.Postgres;
using ClusterGroups.Api.Model;
using ClusterGroups.Tests.Infrastructure;
using ClusterGroups.Tests.Infrastructure.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ClusterGroups.Tests.Postgres;

// Hazard 7 (docs/ARCHITECTURE.md, "A PostgreSQL coordinator"): a primary paused (SIGSTOP) before its standby's promotion
// and resumed (SIGCONT) after it is a second primary, on the old timeline. An Api that has written to the promoted one
// knows the new timeline (PostgresTimeline, one per Api process) and must take nothing from the old one: no write it
// acknowledges, no lease it grants or says is held, no read. Real instances (PostgresCluster: a primary, one
// synchronous standby).
public sealed class PostgresTimelineTests
{
    [SkippableFact]
    public async Task An_old_primary_resumed_after_the_promotion_is_refused_once_the_promoted_ones_timeline_is_known()
    {
        PostgresRequirement.Check();
        using var timeout = new CancellationTokenSource(Wait.AppStart);
        await using var pg = await PostgresCluster.StartAsync(2, timeout.Token);
        var (old, standby) = (pg.Primary, pg.Standbys.Single());
        await using var oldSource = Source(old);
        await using var promotedSource = Source(standby);
        await new PostgresSchema(oldSource).MigrateAsync(timeout.Token);

        // One Api's coordinator reaching each instance (as its multi-host string does, whichever it picks), through
        // pooled connections: the one to the old primary is opened before the pause and used again after it.
        var timeline = new PostgresTimeline();
        var onOld = new PostgresCoordinator(oldSource, Options.Create(new CoordinatorOptions()), timeline);
        var onPromoted = new PostgresCoordinator(promotedSource, Options.Create(new CoordinatorOptions()), timeline);

        // Before the failover: a lease the old primary grants (replicated), held for longer than the test runs.
        var held = GroupId("held");
        Assert.IsType<LeaseAnswer.Taken>(await AcquireAsync(onOld, held, "before", begin: false));
        Assert.Equal(1L, timeline.Highest);

        old.Pause();
        await pg.PromoteAsync(standby);
        // Two instances: the promoted one has no synchronous standby, so its degraded mode, for it to acknowledge.
        await CoordinatorJournal.DegradeAsync(standby);

        // The Api writes to the promoted one and learns its timeline from the answer.
        Assert.IsType<LeaseAnswer.Taken>(await AcquireAsync(onPromoted, GroupId("new"), "after", begin: true));
        var promoted = await standby.TimelineAsync();
        Assert.True(promoted > 1, $"the promoted one is on timeline {promoted}");
        Assert.Equal((long)promoted, timeline.Highest);

        // The old primary wakes up, not in recovery, on timeline 1. Degraded too (its degraded mode chosen before the
        // pause, or a failover manager that reached the wrong instance; a standby still streaming from it would do
        // the same): left to itself it acknowledges a write at once.
        old.Resume();
        Assert.False(await old.IsInRecoveryAsync());
        await CoordinatorJournal.DegradeAsync(old);
        var heldExpiry = await LeaseExpiryAsync(old, held);

        // Each of its answers is refused, none waits for Command Timeout: a Start that would begin an operation...
        var fresh = GroupId("fresh");
        await AssertRefusedAsync(() => AcquireAsync(onOld, fresh, "after", begin: true));
        // ...a lease it says is still held (busy, a refusal that writes nothing)...
        await AssertRefusedAsync(() => AcquireAsync(onOld, held, "after", begin: false));
        // ...the renewal of the lease it granted...
        await AssertRefusedAsync(() => onOld.RenewAsync(held, "before", TimeSpan.FromMinutes(10), CancellationToken.None));
        // ...and a read of what it holds.
        await AssertRefusedAsync(() => onOld.LastForGroupAsync(held, CancellationToken.None));

        // Nothing was written there, and the promoted one goes on.
        Assert.Equal(0L, await old.QueryAsync<long>($"SELECT count(*) FROM cg.groups WHERE group_id = '{fresh}'"));
        Assert.Equal(heldExpiry, await LeaseExpiryAsync(old, held));
        Assert.IsType<LeaseAnswer.Taken>(await AcquireAsync(onPromoted, fresh, "after", begin: true));
    }

    // Pooled, and a Command Timeout short enough that an answer that waited for a standby would show.
    private static NpgsqlDataSource Source(PostgresInstance instance)
    {
        var connection = instance.Connection();
        (connection.CommandTimeout, connection.Pooling) = (5, true);
        return NpgsqlDataSource.Create(connection);
    }

    private static string GroupId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    // A lease for 10 minutes with a token from the clock; with begin, an operation begun under it in the same statement.
    private static Task<LeaseAnswer> AcquireAsync(PostgresCoordinator coordinator, string group, string owner, bool begin)
    {
        var token = FencingTokens.Propose(TimeProvider.System, 0);
        OperationState? op = null;
        if (begin)
        {
            op = new OperationState(new Operation($"op-{Guid.NewGuid():N}", OperationKind.Create, group), [new NodeProgress("node1")]);
            op.Lease(owner, token, DateTimeOffset.UtcNow);
        }

        return coordinator.AcquireAsync(new LeaseRequest(group, owner, token, TimeSpan.FromMinutes(10)), op, CancellationToken.None)
            .WaitAsync(Wait.Request);
    }

    // Unknown (CoordinatorStoreException), and for the timeline: not an answer that timed out or lost its standby.
    private static async Task AssertRefusedAsync(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<CoordinatorStoreException>(() => call().WaitAsync(Wait.Request));
        Assert.Contains("below timeline", error.Message, StringComparison.Ordinal);
    }

    private static Task<string?> LeaseExpiryAsync(PostgresInstance instance, string group) =>
        instance.QueryAsync<string>($"SELECT lease_expires_at::text FROM cg.groups WHERE group_id = '{group}'");
}
