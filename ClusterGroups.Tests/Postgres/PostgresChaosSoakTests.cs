using System.Globalization;
using ClusterGroups.Tests.Infrastructure;
using ClusterGroups.Tests.Infrastructure.Postgres;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Postgres;

// The chaos soak on the PostgreSQL coordinator, with the coordinator's machine lost in the middle of it: every node
// unstable (every fault kind at a rate, late deliveries included), callers writing through two Api replicas, and the
// primary of a three-instance cluster (ANY 1 synchronous standby, as the CloudNativePG overlay runs it) killed with
// kill -9, the most advanced standby promoted, the other following it. Every answer is checked against the nodes'
// stores the moment it is given; afterwards, with faults off: every acknowledged operation is in the new primary's
// journal as answered, no fencing token went backwards, recovery closed every operation, every id is where its last
// acknowledged operation put it, and nothing diverges.
//
// PG_CHAOS_SOAK_SECONDS lengthens it into a soak: how long callers write under chaos before the kill, and again after
// the promotion (default 15 each: with the starts and the checks about 2 minutes here).
// PG_CHAOS_SOAK_SABOTAGE=lose-commits (test-only: to see this test fail, never in CI) makes the replication lose
// acknowledged commits before the kill (LoseCommitsAsync); the journal check must then fail.
public sealed class PostgresChaosSoakTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Phase =
        TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("PG_CHAOS_SOAK_SECONDS"), out var s) ? s : 15);

    private static readonly bool Sabotaged = Environment.GetEnvironmentVariable("PG_CHAOS_SOAK_SABOTAGE") == "lose-commits";

    private const double FaultRate = 0.2;
    private const int Callers = 8;
    private const int IdsPerCaller = 4;

    [SkippableFact]
    public async Task Under_node_chaos_kill_9_of_the_primary_loses_no_acknowledged_operation_and_no_answer_is_untrue()
    {
        PostgresRequirement.Check();
        PostgresCluster pg;
        using (var timeout = new CancellationTokenSource(Wait.AppStart))
        {
            pg = await PostgresCluster.StartAsync(3, timeout.Token);
        }

        await using var cluster = pg;
        var old = pg.Primary;
        // Injected timeouts and late deliveries hold a request 1.3 s: past this attempt timeout (as the chaos soak).
        await using var app = await FailoverApp.StartAsync(pg, attemptTimeout: "00:00:01");
        var stores = new List<ConnectionMultiplexer>();
        try
        {
            foreach (var node in app.NodeNames)
            {
                stores.Add(await app.ConnectStoreAsync(node));
            }

            // Node chaos faults the nodes' GET as well: the stores themselves say where a group is.
            var names = app.NodeNames.ToArray();
            async Task<string[]> WhereAsync(string id)
            {
                var held = await Task.WhenAll(stores.Select(store => store.GetDatabase().HashExistsAsync("groups", id))).WaitAsync(Wait.Request);
                return [.. names.Where((_, i) => held[i])];
            }

            foreach (var node in names)
            {
                await app.SetChaosAsync(node, new { faultRate = FaultRate, delay = "00:00:01.300" });
            }

            await using var load = FailoverLoad.Start(app, $"c{Guid.NewGuid():N}"[..7], Callers, IdsPerCaller, WhereAsync);
            // Writing under chaos for a while (an answer to a request sent once the phase is over ends the wait).
            await load.UntilAnsweredAsync(Phase, Phase + Wait.Request, $"{Phase.TotalSeconds} s of load under node chaos");
            await load.UntilAcknowledgedAsync(20, TimeSpan.Zero, Wait.Request, "20 operations acknowledged before the kill");

            var fencesBefore = await CoordinatorJournal.FencesAsync(old);
            var lost = Sabotaged ? await LoseCommitsAsync(pg, load) : [];
            var killedAt = load.Now;
            old.Kill();
            foreach (var standby in lost)
            {
                using var restart = new CancellationTokenSource(Wait.Resource);
                await standby.StartAsync(restart.Token);
            }

            var promoted = await pg.MostAdvancedStandbyAsync();
            await pg.PromoteAsync(promoted);
            var promotedAt = load.Now;
            Assert.Equal(1, await pg.SynchronousStandbysAsync());

            await load.UntilAcknowledgedAsync(10, promotedAt, Wait.AppStart, "10 operations acknowledged after the promotion");
            await load.UntilAnsweredAsync(promotedAt + Phase, Phase + Wait.Request, $"{Phase.TotalSeconds} s of load after the promotion");
            var answers = await load.StopAsync();

            Assert.Empty(load.Hung);
            Assert.True(load.Untrue.Count == 0, $"{load.Untrue.Count} untrue answers:\n{string.Join('\n', load.Untrue)}");
            var unjournaled = await CoordinatorJournal.UnjournaledAsync(promoted, answers);
            Assert.True(unjournaled.Count == 0,
                $"{unjournaled.Count} of {answers.Count(a => a.Acknowledged)} acknowledged operations not in the new primary's journal as answered:\n{string.Join('\n', unjournaled)}");

            // Every answer is an outcome with its documented status (Running: taken over by the other replica, still
            // running there), or, while the coordinator was unreachable, a 503 that names no outcome (unknown; it may
            // name the operation it had begun, which recovery finishes), or no answer from the proxy (0).
            var allowed = new Dictionary<string, int[]>
            {
                ["Committed"] = [201, 200], ["AlreadySo"] = [409, 404], ["RolledBack"] = [503], ["PendingRepair"] = [202], ["Busy"] = [503],
                ["Running"] = [202],
            };
            Assert.All(answers, a => Assert.True(
                a.Status == 0 || (a.Outcome is not null ? allowed.GetValueOrDefault(a.Outcome, []).Contains(a.Status) : a.Status == 503),
                $"not a documented answer: {a}"));

            var fencesAfter = await CoordinatorJournal.FencesAsync(promoted);
            Assert.All(fencesBefore, before => Assert.True(fencesAfter.GetValueOrDefault(before.Key) >= before.Value,
                $"{before.Key}: token {before.Value} before the failover, {fencesAfter.GetValueOrDefault(before.Key)} after"));

            var injected = await InjectedAsync(app);
            await app.MakeStableAsync();
            await CoordinatorJournal.UntilNoneOpenAsync(promoted);

            // Each id is where the journal's last acknowledged operation on it put it (also one whose answer was lost).
            var ids = answers.Select(a => a.GroupId).Distinct().ToList();
            var lastKinds = await CoordinatorJournal.LastAcknowledgedKindsAsync(promoted, ids);
            foreach (var id in ids)
            {
                string[] expected = lastKinds.GetValueOrDefault(id) == "Create" ? names : [];
                var where = await WhereAsync(id);
                Assert.True(expected.SequenceEqual(where),
                    $"{id}: the journal's last acknowledged operation is {lastKinds.GetValueOrDefault(id) ?? "none"}, the stores hold it on [{string.Join(", ", where)}]");
            }

            var api = app.Api();
            var consistency = await (await api.GetAsync("/v1/cluster/consistency").WaitAsync(Wait.Request)).JsonAsync();
            Assert.True(consistency["consistent"]!.GetValue<bool>(), consistency.ToJsonString());

            var firstAfter = answers.Where(a => a.Acknowledged && a.Sent >= killedAt).MinBy(a => a.Answered)!;
            var unknown = answers.Where(a => a.OperationId is null && a.Sent >= killedAt && a.Sent < firstAfter.Answered).ToList();
            output.WriteLine($"answers: {answers.Count} ({string.Join(", ", answers.GroupBy(a => $"{a.Status} {a.Outcome}").OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"))}), "
                + $"{answers.Count(a => a.Acknowledged)} acknowledged; node faults injected: {string.Join(", ", injected.OrderBy(i => i.Key).Select(i => $"{i.Key}={i.Value}"))}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"write outage: {(firstAfter.Answered - killedAt).TotalSeconds:0.00} s from kill -9 to the first acknowledged write "
                + $"(promotion done {(promotedAt - killedAt).TotalSeconds:0.00} s after the kill; {unknown.Count} answers unknown meanwhile); "
                + $"{Phase.TotalSeconds} s of load before the kill and after the promotion"));
            Assert.True(injected.Values.All(v => v > 0), $"every fault kind injected: {string.Join(", ", injected)}");
            Assert.True(answers.Count(a => a.Acknowledged && a.Sent >= promotedAt) >= 10);
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    // The sabotage: the primary made asynchronous (its degraded mode), then the standbys killed (kill -9, not SIGSTOP: a
    // frozen standby still takes the stream into its socket buffer), and the primary acknowledges 10 more operations
    // alone. The standbys are started again once the primary is killed (the caller does it): the promoted one lacks them.
    private static async Task<IReadOnlyList<PostgresInstance>> LoseCommitsAsync(PostgresCluster pg, FailoverLoad load)
    {
        await CoordinatorJournal.DegradeAsync(pg.Primary);
        var standbys = pg.Standbys.ToList();
        foreach (var standby in standbys)
        {
            standby.Kill();
        }

        await load.UntilAcknowledgedAsync(10, load.Now, Wait.Request, "10 operations acknowledged by the primary alone");
        return standbys;
    }

    private static async Task<Dictionary<string, long>> InjectedAsync(ClusterFixture app)
    {
        var injected = new Dictionary<string, long>();
        foreach (var node in app.NodeNames)
        {
            var status = await (await app.Node(node).GetAsync("/admin/chaos").WaitAsync(Wait.Request)).JsonAsync();
            foreach (var (kind, count) in status["injected"]!.AsObject())
            {
                injected[kind] = injected.GetValueOrDefault(kind) + count!.GetValue<long>();
            }
        }

        return injected;
    }
}
