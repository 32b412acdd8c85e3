using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ClusterGroups.Tests.Coordinator;
using ClusterGroups.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Chaos;

// The Jepsen-style soak with two Api replicas: callers create and delete their own ids through both replicas while
// every node is unstable (every fault kind, late deliveries included) and a fault driver takes turns at the compound
// hazards: issue 23's case 1 (a replica frozen mid-rollback while a node's answers are held, the other replica's
// recovery taking over: PausedRollbackTests, here among the other faults), a replica frozen past its lease while it
// runs an operation, a node killed (kill -9) and started again, and a node frozen for a moment. Every answer is checked
// against the nodes' stores the moment it is given (each caller owns its ids, so nothing else changes them meanwhile);
// each case-1 takeover's journaled decision is checked against the stores while the frozen replica is still frozen;
// afterwards, with the faults off, nothing diverges. REPLICA_SOAK_SECONDS lengthens it (README, "Tests").
[Collection(ReplicatedApiCollection.Name)]
public sealed class ReplicaChaosSoakTests(ReplicatedApiFixture cluster, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Duration =
        TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("REPLICA_SOAK_SECONDS"), out var s) ? s : 30);

    private const int Callers = 6;
    private const int IdsPerCaller = 5;

    // Every node: each fault kind at an even share of this rate; held answers and late writes past the attempt timeout.
    private static readonly object NodeChaos = new { faultRate = 0.1, delay = "00:00:01.200" };

    // Longer than the replicas' 3 s lease (ReplicatedApiFixture), so the other replica takes over.
    private static readonly TimeSpan ReplicaPause = TimeSpan.FromSeconds(4.5);
    private static readonly TimeSpan NodePause = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan BetweenFaults = TimeSpan.FromSeconds(2);

    public Task InitializeAsync() => cluster.MakeStableAsync();

    public Task DisposeAsync() => cluster.MakeStableAsync();

    private sealed class Counts
    {
        public int CaseOne;
        public int CaseOneMissed;
        public int ReplicaPauses;
        public int NodeKills;
        public int NodePauses;
        public readonly Dictionary<string, long> Injected = [];
    }

    [Fact]
    public async Task Two_replicas_under_compound_faults_never_give_an_untrue_answer()
    {
        var prefix = $"rc{Guid.NewGuid():N}"[..9];
        var ids = Enumerable.Range(0, Callers * IdsPerCaller).Select(i => $"{prefix}-{i}").ToArray();
        foreach (var node in cluster.NodeNames)
        {
            await cluster.SetChaosAsync(node, NodeChaos);
        }

        var connections = new List<ConnectionMultiplexer>();
        foreach (var node in cluster.NodeNames)
        {
            connections.Add(await cluster.ConnectStoreAsync(node));
        }

        using var coordinator = await cluster.ConnectCoordinatorAsync();
        var journal = coordinator.GetDatabase();
        var stores = connections.Select(c => c.GetDatabase()).ToArray();
        var untrue = new ConcurrentQueue<string>();
        var sent = new ConcurrentQueue<(string GroupId, int Status, string? Outcome, string? OperationId)>();
        var counts = new Counts();

        using var over = new CancellationTokenSource(Duration);
        var driver = DriveFaultsAsync(ids, journal, stores, counts, untrue, over.Token);
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => CallAsync(caller, ids, stores, sent, untrue, over.Token)))
            .WaitAsync(Duration + Wait.Resource);
        await driver.WaitAsync(Wait.Resource);
        foreach (var node in cluster.NodeNames)
        {
            await AddInjectedAsync(node, counts);
        }

        await cluster.MakeStableAsync();
        var api = cluster.Api();
        await ReplicaLoad.NoneOpenAsync(api);
        var consistency = await (await api.GetAsync("/v1/cluster/consistency").WaitAsync(Wait.Request)).JsonAsync();
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }

        var outcomes = sent.GroupBy(o => o.Outcome ?? $"status {o.Status}").OrderBy(g => g.Key).Select(g => $"{g.Key}={g.Count()}");
        output.WriteLine($"replica chaos soak: {sent.Count} operations, {Callers} callers, {ids.Length} ids, {Duration.TotalSeconds:F0} s; "
                         + $"untrue answers {untrue.Count}; outcomes: {string.Join(", ", outcomes)}");
        output.WriteLine($"case 1 (replica frozen mid-rollback, node answers held, takeover): {counts.CaseOne} (not arisen in time: {counts.CaseOneMissed}); "
                         + $"replicas frozen past their lease: {counts.ReplicaPauses}; node kill -9s: {counts.NodeKills}; node pauses: {counts.NodePauses}; "
                         + $"faults injected: {string.Join(", ", counts.Injected.OrderBy(i => i.Key).Select(i => $"{i.Key}={i.Value}"))}");

        Assert.True(untrue.IsEmpty, string.Join("\n", untrue));
        Assert.True(consistency["consistent"]!.GetValue<bool>(), consistency.ToJsonString());
        Assert.True(sent.Count > 20, $"only {sent.Count} operations in {Duration}");
        Assert.True(counts.Injected.GetValueOrDefault("delay-before-apply") > 0, "no late delivery");
    }

    // One caller: its own ids, created and deleted at random, each answer checked against every node's store at once.
    private async Task CallAsync(int caller, string[] ids, IDatabase[] stores,
        ConcurrentQueue<(string, int, string?, string?)> sent, ConcurrentQueue<string> untrue, CancellationToken over)
    {
        var api = cluster.Api();
        // Each request on its own connection, so that the proxy spreads them over both replicas.
        api.DefaultRequestHeaders.ConnectionClose = true;
        var random = new Random(caller);
        var mine = ids.Where((_, i) => i % Callers == caller).ToArray();
        // What each id must be on every node (null: unknown while a repair is pending).
        var expected = mine.ToDictionary(id => id, _ => (bool?)false);
        while (!over.IsCancellationRequested)
        {
            var id = mine[random.Next(mine.Length)];
            var create = random.Next(2) == 0;
            using var response = create ? await api.PostGroupAsync(id) : await api.DeleteGroupAsync(id);
            var body = await response.JsonAsync();
            var outcome = body["outcome"]?.GetValue<string>();
            expected[id] = AnswerCheck.Expected(outcome, create, expected[id]);
            if (await AnswerCheck.DisagreementAsync(stores, id, expected[id]) is { } disagreement)
            {
                untrue.Enqueue($"{(create ? "create" : "delete")} {id} answered {(int)response.StatusCode} {outcome} ({body["operationId"]}), {disagreement}");
            }

            sent.Enqueue((id, (int)response.StatusCode, outcome, body["operationId"]?.GetValue<string>()));
        }
    }

    // The compound faults, one at a time, the case-1 shape first.
    private async Task DriveFaultsAsync(string[] ids, IDatabase journal, IDatabase[] stores, Counts counts, ConcurrentQueue<string> untrue, CancellationToken over)
    {
        var random = new Random(23);
        for (var turn = 0; !over.IsCancellationRequested; turn++)
        {
            // Case 1 every other turn: its shape does not arise every time it is staged (another fault may hit node1
            // or node2 first; 0 of 2 in a 120 s run at load average ~130, 1 of 1 in another), so the soak reports how
            // often it was checked rather than requiring it.
            switch (turn % 6)
            {
                case 0 or 2 or 4:
                    await FreezeMidRollbackAsync(ids, journal, stores, counts, untrue);
                    break;
                case 1:
                    await FreezeAnOwnerAsync(journal, counts);
                    break;
                case 3:
                    await KillANodeAsync($"node{random.Next(1, 4)}", counts);
                    break;
                default:
                    await PauseANodeAsync($"node{random.Next(1, 4)}", counts);
                    break;
            }

            try
            {
                // The gap between two faults (not a wait for anything).
                await Task.Delay(BetweenFaults, over);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    // Issue 23, case 1 among the other faults: node3 applies a write but holds its answer, cannot be read, and refuses
    // the aborts that would tell (Retry-After 10 s), so the operation's effect there stays unknown while its owner rolls
    // back the others. Whichever operation that is (the callers' writes go on), its owner is frozen mid-rollback; node3
    // heals; the other replica takes over and closes it. Its decision is checked against the stores while the owner is
    // still frozen (nothing else writes that id meanwhile: its caller waits for the frozen owner's answer), then the
    // owner resumes and its caller checks the answer it gets.
    private async Task FreezeMidRollbackAsync(string[] ids, IDatabase journal, IDatabase[] stores, Counts counts, ConcurrentQueue<string> untrue)
    {
        await cluster.SetChaosAsync("node3", new { errorBeforeApply = 1.0, methods = new[] { "GET" }, retryAfterSeconds = 10 });
        await cluster.FailNextAsync("node3", "TimeoutAfterApply", "POST", 1);
        await cluster.FailNextAsync("node3", "Unavailable", "ABORT", 100);
        // A create of the episode's own id, so that a write reaches node3 now (a caller's may take the held answer
        // first: then that one is the operation frozen). Its answer is checked like a caller's when it comes.
        var own = $"{ids[0].Split('-')[0]}-case1-{counts.CaseOne + counts.CaseOneMissed}";
        var answer = OwnCreateAsync(own, stores, untrue);
        (string OperationId, JsonNode Entry)? found = null;
        try
        {
            await Wait.UntilAsync(async () => (found = await MidRollbackAsync(journal, stores)) is not null,
                Wait.Request, "an operation rolling back with node3 unknown and the others undone");
        }
        catch (TimeoutException)
        {
            // Another fault hit node1 or node2 first: no case-1 shape this time.
            counts.CaseOneMissed++;
        }

        if (found is not { } op)
        {
            await HealAsync("node3");
            await answer.WaitAsync(Wait.Resource);
            return;
        }

        var pid = OwnerPid(op.Entry);
        Signals.Send(pid, "STOP");
        try
        {
            // Still mid-rollback once frozen (it may have moved on between the read and the signal)?
            var frozen = await PausedReplica.EntryAsync(journal, op.OperationId);
            var midRollback = Outcome(frozen) == "Running" && EffectOn(frozen, "node3") == "Unknown";
            await HealAsync("node3");
            await Wait.UntilAsync(async () => Outcome(await PausedReplica.EntryAsync(journal, op.OperationId)) is not ("Running" or "PendingRepair"),
                Wait.Resource, $"the other replica takes {op.OperationId} over and closes it");
            var closed = await PausedReplica.EntryAsync(journal, op.OperationId);
            var groupId = closed["groupId"]!.GetValue<string>();
            var where = await Task.WhenAll(stores.Select(db => db.HashExistsAsync("groups", groupId)));
            var create = closed["kind"]!.GetValue<string>() == "Create";
            var holds = Outcome(closed) switch
            {
                "Committed" => where.All(p => p == create),
                "RolledBack" => where.All(p => p != create),
                _ => false,
            };
            if (!holds)
            {
                untrue.Enqueue($"takeover closed {op.OperationId} ({closed["kind"]} {groupId}) as {Outcome(closed)}, stores hold [{string.Join(", ", where)}]");
            }

            if (midRollback)
            {
                counts.CaseOne++;
            }
            else
            {
                counts.CaseOneMissed++;
            }
        }
        finally
        {
            Signals.Send(pid, "CONT");
        }

        await answer.WaitAsync(Wait.Resource);
    }

    private async Task OwnCreateAsync(string id, IDatabase[] stores, ConcurrentQueue<string> untrue)
    {
        using var response = await cluster.Api().PostGroupAsync(id);
        var outcome = (await response.JsonAsync())["outcome"]?.GetValue<string>();
        if (await AnswerCheck.DisagreementAsync(stores, id, AnswerCheck.Expected(outcome, create: true, before: false)) is { } disagreement)
        {
            untrue.Enqueue($"create {id} answered {(int)response.StatusCode} {outcome}, {disagreement}");
        }
    }

    // An open operation rolling back with node3's effect unknown and every other node back as it was before it.
    private static async Task<(string, JsonNode)?> MidRollbackAsync(IDatabase journal, IDatabase[] stores)
    {
        foreach (var open in await journal.SetMembersAsync("cg:ops:open"))
        {
            var entry = await PausedReplica.EntryAsync(journal, open.ToString());
            if (Outcome(entry) != "Running" || entry["rollingBack"]?.GetValue<bool>() != true
                || EffectOn(entry, "node3") != "Unknown")
            {
                continue;
            }

            var groupId = entry["groupId"]!.GetValue<string>();
            var create = entry["kind"]!.GetValue<string>() == "Create";
            if ((await Task.WhenAll(stores.Take(2).Select(db => db.HashExistsAsync("groups", groupId)))).All(p => p != create))
            {
                return (open.ToString(), entry);
            }
        }

        return null;
    }

    // A replica frozen past its lease while it runs an operation (any open one's owner), then resumed.
    private async Task FreezeAnOwnerAsync(IDatabase journal, Counts counts)
    {
        int? pid = null;
        await Wait.UntilAsync(async () =>
        {
            var open = await journal.SetMembersAsync("cg:ops:open");
            if (open.Length > 0)
            {
                pid = OwnerPid(await PausedReplica.EntryAsync(journal, open[0].ToString()));
            }

            return pid is not null;
        }, Wait.Request, "an operation running");
        Signals.Send(pid!.Value, "STOP");
        try
        {
            // How long the fault lasts (not a wait for anything).
            await Task.Delay(ReplicaPause, CancellationToken.None);
        }
        finally
        {
            Signals.Send(pid.Value, "CONT");
        }

        counts.ReplicaPauses++;
    }

    // A node crashes (kill -9) and starts again; it comes back with no faults of its own, so its chaos is set again.
    private async Task KillANodeAsync(string node, Counts counts)
    {
        await AddInjectedAsync(node, counts);
        await cluster.KillAsync(node);
        await cluster.StartAsync(node);
        await cluster.SetChaosAsync(node, NodeChaos);
        counts.NodeKills++;
    }

    private async Task PauseANodeAsync(string node, Counts counts)
    {
        var pid = cluster.PidOf(node);
        Signals.Send(pid, "STOP");
        try
        {
            // How long the fault lasts (not a wait for anything).
            await Task.Delay(NodePause, CancellationToken.None);
        }
        finally
        {
            Signals.Send(pid, "CONT");
        }

        counts.NodePauses++;
    }

    // Back to the soak's own faults: the staged ones (and the queued "fail next" ones) dropped.
    private async Task HealAsync(string node)
    {
        await cluster.MakeStableAsync(node);
        await cluster.SetChaosAsync(node, NodeChaos);
    }

    // What a node injected so far (its counts start again at zero when it is killed).
    private async Task AddInjectedAsync(string node, Counts counts)
    {
        var status = await (await cluster.Node(node).GetAsync("/admin/chaos").WaitAsync(Wait.Request)).JsonAsync();
        foreach (var (kind, count) in status["injected"]!.AsObject())
        {
            counts.Injected[kind] = counts.Injected.GetValueOrDefault(kind) + count!.GetValue<long>();
        }
    }

    private static string Outcome(JsonNode entry) => entry["outcome"]!.GetValue<string>();

    private static string? EffectOn(JsonNode entry, string node) =>
        entry["nodes"]!.AsArray().SingleOrDefault(n => n!["node"]!.GetValue<string>() == node)?["effect"]?.GetValue<string>();

    private static int OwnerPid(JsonNode entry) =>
        int.Parse(entry["owner"]!.GetValue<string>().Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
}
