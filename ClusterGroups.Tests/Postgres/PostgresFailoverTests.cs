using System.Globalization;
using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Coordinator.Postgres;
using ClusterGroups.Api.Model;
using ClusterGroups.Tests.Infrastructure;
using ClusterGroups.Tests.Infrastructure.Postgres;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Postgres;

// The whole app on a replicated PostgreSQL coordinator (a primary and one synchronous standby, real processes: PostgresCluster),
// two Api replicas on the multi-host string (FailoverApp), callers creating and deleting (FailoverLoad, every answer checked
// against the nodes when given) while the primary's machine is lost (kill -9) or frozen (SIGSTOP), and the standby is
// promoted. Each test makes its own cluster and app, and disposes both (also when it fails).
//
// Two instances: the promoted standby has no synchronous standby, so its commits wait and the Api's Command Timeout
// answers them unknown (503), never done, never for ever. Writes go on once the degraded mode is chosen
// (synchronous_standby_names = '': acknowledged with one copy, reported by the Api's health check); README, "Which
// coordinator". The tests check both phases.
public sealed class PostgresFailoverTests(ITestOutputHelper output)
{
    private static async Task<PostgresCluster> StartClusterAsync()
    {
        PostgresRequirement.Check();
        using var timeout = new CancellationTokenSource(Wait.AppStart);
        return await PostgresCluster.StartAsync(2, timeout.Token);
    }

    [SkippableFact]
    public async Task Kill_9_of_the_primary_mid_load_loses_no_acknowledged_operation_and_the_Api_carries_on_after_the_promotion()
    {
        await using var pg = await StartClusterAsync();
        var (old, standby) = (pg.Primary, pg.Standbys.Single());
        await using var app = await FailoverApp.StartAsync(pg);
        await using var load = FailoverLoad.Start(app, $"k{Guid.NewGuid():N}"[..7]);
        await load.UntilAcknowledgedAsync(30, TimeSpan.Zero, Wait.AppStart, "30 operations acknowledged before the kill");

        // Tokens as the primary has them just before it dies (only acknowledged commits are visible to this read).
        var fencesBefore = await CoordinatorJournal.FencesAsync(old);
        var killedAt = load.Now;
        old.Kill();
        await pg.PromoteAsync(standby);
        var promotedAt = load.Now;

        // Strict: from the kill on, no primary has a synchronous standby. The Api's commits on the promoted one wait
        // for one (seen in pg_stat_activity) until Command Timeout; requests sent meanwhile are answered (not hung),
        // none done. (One sent 3 s after the promotion: Npgsql has re-checked the promoted one by then.)
        await CommitProbe.WaitForSyncRepWaitAsync(standby, "cg-api");
        await load.UntilAnsweredAsync(promotedAt + TimeSpan.FromSeconds(3), Wait.Request * 2, "an answer to a request sent after the promotion");
        Assert.Equal(HealthStatus.Healthy, await ReplicationHealthAsync(standby));

        // The degraded mode, chosen: writes go on with one copy, and the Api says so. (A commit still waiting is
        // released by the reload, acknowledged: strict answers are those given before it starts.)
        var degradedAt = load.Now;
        await CoordinatorJournal.DegradeAsync(standby);
        Assert.Equal(HealthStatus.Degraded, await ReplicationHealthAsync(standby));
        var api = app.ApiAnonymous();
        await Wait.UntilAsync(async () => await (await api.GetAsync("/health")).Content.ReadAsStringAsync() == "Degraded",
            Wait.Request, "the Api's /health reports Degraded");
        var strict = load.Answers.Where(a => a.Sent >= killedAt && a.Answered < degradedAt).ToList();
        var openAtFailover = (await CoordinatorJournal.OpenAsync(standby)).Count;
        await load.UntilAcknowledgedAsync(20, degradedAt, Wait.AppStart, "20 operations acknowledged after the promotion");
        var answers = await load.StopAsync();

        Assert.Empty(load.Hung);
        Assert.Empty(load.Untrue);
        await AssertJournaledAsync(standby, answers);
        Assert.All(strict, a => Assert.False(a.Acknowledged, $"acknowledged with no synchronous standby: {a}"));

        // No token went backwards: every group's token on the promoted one is at least what the old one had.
        var fencesAfter = await CoordinatorJournal.FencesAsync(standby);
        Assert.All(fencesBefore, before => Assert.True(fencesAfter.GetValueOrDefault(before.Key) >= before.Value,
            $"{before.Key}: token {before.Value} before the failover, {fencesAfter.GetValueOrDefault(before.Key)} after"));

        // Operations left open by the failover (begun, then their Api lost the database) are finished by recovery.
        await CoordinatorJournal.UntilNoneOpenAsync(standby);

        var firstAfter = answers.Where(a => a.Acknowledged && a.Sent >= killedAt).MinBy(a => a.Answered)!;
        output.WriteLine($"answers: {answers.Count} ({string.Join(", ", answers.GroupBy(a => a.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"))}), "
            + $"{answers.Count(a => a.Acknowledged)} acknowledged, {strict.Count} answered while strict, {openAtFailover} left open by the failover for recovery");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"write outage: {(firstAfter.Answered - killedAt).TotalSeconds:0.00} s from kill -9 to the first acknowledged write "
            + $"(promotion done {(promotedAt - killedAt).TotalSeconds:0.00} s after the kill, degraded mode chosen at {(degradedAt - killedAt).TotalSeconds:0.00} s, "
            + $"first acknowledgement {(firstAfter.Answered - degradedAt).TotalSeconds:0.00} s after that)"));
    }

    [SkippableFact]
    public async Task A_paused_primary_resumed_after_the_promotion_acknowledges_nothing_and_loses_nothing()
    {
        await using var pg = await StartClusterAsync();
        var (old, standby) = (pg.Primary, pg.Standbys.Single());
        await using var app = await FailoverApp.StartAsync(pg);
        await using var load = FailoverLoad.Start(app, $"p{Guid.NewGuid():N}"[..7]);
        await load.UntilAcknowledgedAsync(30, TimeSpan.Zero, Wait.AppStart, "30 operations acknowledged before the pause");

        // Frozen mid-load: the Api's statements there time out (unknown); the standby is promoted and, alone, degraded.
        old.Pause();
        var pausedAt = load.Now;
        await pg.PromoteAsync(standby);
        await CoordinatorJournal.DegradeAsync(standby);
        var promotedAt = load.Now;
        await load.UntilAcknowledgedAsync(10, promotedAt, Wait.AppStart, "10 operations acknowledged by the promoted standby");

        // The old primary wakes up, not in recovery: a second primary, first in the Api's host list.
        old.Resume();
        var resumedAt = load.Now;
        Assert.False(await old.IsInRecoveryAsync());

        // It takes no coordinator write: with its synchronous standby gone, each waits until Command Timeout and is
        // unknown (CoordinatorStoreException), never done.
        await AssertRefusesCoordinatorWritesAsync(old, standby);

        // The Api's callers go on for a while with both primaries up (Npgsql re-checks the old one after 2 s and
        // prefers it: first in the list). Nothing they are told done may rest on the old one.
        await load.UntilAnsweredAsync(resumedAt + TimeSpan.FromSeconds(5), Wait.Request * 2, "answers to requests sent once the old primary is back");

        // What a deployment does (CloudNativePG shuts the old primary down): fence it. The Api carries on.
        old.Kill();
        var fencedAt = load.Now;
        await load.UntilAcknowledgedAsync(10, fencedAt, Wait.AppStart, "10 operations acknowledged once the old primary is fenced");
        var answers = await load.StopAsync();

        Assert.Empty(load.Hung);
        Assert.Empty(load.Untrue);
        await AssertJournaledAsync(standby, answers);
        await CoordinatorJournal.UntilNoneOpenAsync(standby);

        var resumed = answers.Where(a => a.Sent >= resumedAt && a.Answered < fencedAt).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"answers: {answers.Count}, {answers.Count(a => a.Acknowledged)} acknowledged; paused at {pausedAt.TotalSeconds:0.0} s, promoted {(promotedAt - pausedAt).TotalSeconds:0.0} s later; "
            + $"with the old primary back: {resumed.Count} answers ({string.Join(", ", resumed.GroupBy(a => a.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"))}), "
            + $"{resumed.Count(a => a.Acknowledged)} acknowledged (each found on the promoted one)"));
    }

    private static async Task<HealthStatus> ReplicationHealthAsync(PostgresInstance primary)
    {
        await using var source = NpgsqlDataSource.Create(primary.Connection());
        var check = new PostgresReplicationHealthCheck(source);
        return (await check.CheckHealthAsync(new HealthCheckContext()).WaitAsync(Wait.Request)).Status;
    }

    // Every answer that said done (Committed, or AlreadySo) names an operation the promoted one journals with that outcome.
    private static async Task AssertJournaledAsync(PostgresInstance primary, IReadOnlyList<FailoverAnswer> answers)
    {
        var missing = await CoordinatorJournal.UnjournaledAsync(primary, answers);
        Assert.True(missing.Count == 0, $"{missing.Count} of {answers.Count(a => a.Acknowledged)} acknowledged operations not in the new primary's journal as answered:\n{string.Join('\n', missing)}");
    }

    // A Start (the lease, its token and the journal entry in one statement) on the old primary: unknown, and on the new
    // primary there is no trace of it.
    private static async Task AssertRefusesCoordinatorWritesAsync(PostgresInstance old, PostgresInstance promoted)
    {
        var connection = old.Connection();
        (connection.CommandTimeout, connection.Pooling) = (3, true);
        await using var source = NpgsqlDataSource.Create(connection);
        var coordinator = new PostgresCoordinator(source, Options.Create(new CoordinatorOptions()), new PostgresTimeline());
        var group = $"old-{Guid.NewGuid():N}"[..20];
        var op = new OperationState(new Operation($"op-{Guid.NewGuid():N}", OperationKind.Create, group), [new NodeProgress("node1")]);
        var token = FencingTokens.Propose(TimeProvider.System, 0);
        op.Lease("old", token, DateTimeOffset.UtcNow);
        await Assert.ThrowsAsync<CoordinatorStoreException>(() =>
            coordinator.AcquireAsync(new LeaseRequest(group, "old", token, TimeSpan.FromSeconds(10)), op, CancellationToken.None).WaitAsync(Wait.Request));
        Assert.Empty(await CoordinatorJournal.OutcomesAsync(promoted, [op.Id]));
    }
}
