using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ClusterGroups.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Chaos;

// The seed's premise for real: every node unstable (every fault kind, every method, late deliveries included), node
// processes paused now and then (SIGSTOP), many callers, many ids. Every answer is checked against the nodes' stores
// the moment it is given (each caller owns its ids, so nothing else changes them meanwhile); afterwards, with faults
// off: nothing diverges, and every id is where its last committed operation put it.
[Collection(ChaosCollection.Name)]
public sealed class ChaosSoakTests(ChaosClusterFixture cluster, ITestOutputHelper output) : IAsyncLifetime
{
    // CHAOS_OPERATIONS lets the benchmark or a developer run a longer soak.
    private static readonly int Operations = int.TryParse(Environment.GetEnvironmentVariable("CHAOS_OPERATIONS"), out var n) ? n : 500;
    private const int Callers = 8;
    private const int Ids = 50;
    private const double FaultRate = 0.24;

    public Task InitializeAsync() => cluster.MakeStableAsync();

    public Task DisposeAsync() => cluster.MakeStableAsync();

    private static readonly TimeSpan PauseLength = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan BetweenPauses = TimeSpan.FromSeconds(4);

    private sealed record Sent(string GroupId, string Kind, int Status, string? Outcome, string? OperationId);

    [Fact]
    public async Task Under_faults_every_operation_gets_an_outcome_and_nothing_diverges()
    {
        var prefix = $"s{Guid.NewGuid():N}"[..9];
        var ids = Enumerable.Range(0, Ids).Select(i => $"{prefix}-{i}").ToArray();
        foreach (var node in cluster.NodeNames)
        {
            await cluster.SetChaosAsync(node, new { faultRate = FaultRate, delay = "00:00:01.300" });
        }

        var stores = new List<IDatabase>();
        var connections = new List<ConnectionMultiplexer>();
        foreach (var node in cluster.NodeNames)
        {
            var connection = await ConnectionMultiplexer.ConnectAsync(
                (await cluster.App.GetConnectionStringAsync(node.Replace("node", "store")))!).WaitAsync(Wait.Request);
            connections.Add(connection);
            stores.Add(connection.GetDatabase());
        }

        var started = DateTime.UtcNow;
        var sent = new ConcurrentBag<Sent>();
        var untrue = new ConcurrentBag<string>();
        var next = -1;
        using var soakOver = new CancellationTokenSource();
        var pauses = PauseNodesAsync(soakOver.Token);
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(async caller =>
        {
            var api = cluster.Api();
            var random = new Random(caller);
            // This caller's ids, and what each must be on every node (null: unknown while a repair is pending).
            var mine = ids.Where((_, i) => i % Callers == caller).ToArray();
            var expected = mine.ToDictionary(id => id, _ => (bool?)false);
            while (Interlocked.Increment(ref next) < Operations)
            {
                var id = mine[random.Next(mine.Length)];
                var create = random.Next(2) == 0;
                var response = create ? await api.PostGroupAsync(id) : await api.DeleteAsync($"/v1/group/{id}").WaitAsync(Wait.Request);
                var body = await response.JsonAsync();
                var outcome = body["outcome"]?.GetValue<string>();
                expected[id] = AnswerCheck.Expected(outcome, create, expected[id]);

                // At the moment of the answer: what it says holds on every node's store.
                if (await AnswerCheck.DisagreementAsync(stores, id, expected[id]) is { } disagreement)
                {
                    untrue.Add($"{(create ? "create" : "delete")} {id} answered {(int)response.StatusCode} {outcome}, {disagreement}");
                }

                sent.Add(new Sent(id, create ? "Create" : "Delete", (int)response.StatusCode, outcome, body["operationId"]?.GetValue<string>()));
            }
        })).WaitAsync(TimeSpan.FromMinutes(4));
        await soakOver.CancelAsync();
        var paused = await pauses;
        var soak = DateTime.UtcNow - started;
        Assert.True(untrue.IsEmpty, string.Join("\n", untrue));

        var injected = new Dictionary<string, long>();
        foreach (var node in cluster.NodeNames)
        {
            var status = await (await cluster.Node(node).GetAsync("/admin/chaos")).JsonAsync();
            foreach (var (kind, count) in status["injected"]!.AsObject())
            {
                injected[kind] = injected.GetValueOrDefault(kind) + count!.GetValue<long>();
            }
        }

        await cluster.MakeStableAsync();
        var api = cluster.Api();
        await Wait.UntilAsync(async () =>
            (await (await api.GetAsync("/v1/operations?state=open")).JsonAsync())["operations"]!.AsArray().Count == 0,
            Wait.Resource, "no operation left open (pending repairs finished by recovery)");

        // Every answer is a documented outcome class with its documented status.
        var allowed = new Dictionary<string, int[]>
        {
            ["Committed"] = [201, 200], ["AlreadySo"] = [409, 404], ["RolledBack"] = [503], ["PendingRepair"] = [202],
            ["Busy"] = [503],
        };
        Assert.All(sent, s => Assert.True(s.Outcome is not null && allowed[s.Outcome].Contains(s.Status),
            $"{s.Kind} {s.GroupId}: {s.Status} {s.Outcome}"));

        // For each id, the final state is the one its last committed (or already-so) operation asked for, in the
        // order the Api ran them (the journal's start times; operations on one id never overlap).
        foreach (var id in ids)
        {
            var reports = new List<JsonNode>();
            foreach (var op in sent.Where(s => s.GroupId == id))
            {
                reports.Add(await (await api.GetAsync($"/v1/operations/{op.OperationId}")).JsonAsync());
            }

            var last = reports
                .Where(r => r["outcome"]!.GetValue<string>() is "Committed" or "AlreadySo")
                .MaxBy(r => r["startedAt"]!.GetValue<DateTimeOffset>());
            var expected = last?["kind"]!.GetValue<string>() == "Create" ? cluster.NodeNames.ToArray() : [];
            Assert.Equal(expected, await cluster.WhereAsync(id));
        }

        var consistency = await (await api.GetAsync("/v1/cluster/consistency")).JsonAsync();
        Assert.True(consistency["consistent"]!.GetValue<bool>(), consistency.ToJsonString());
        Assert.Empty(consistency["divergent"]!.AsArray());

        var outcomes = sent.GroupBy(s => s.Outcome!).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"chaos soak: {sent.Count} operations, {Callers} callers, {Ids} ids, fault rate {FaultRate} per node, {soak.TotalSeconds:0.0} s");
        output.WriteLine($"outcomes: {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key}={o.Value}"))}");
        output.WriteLine($"faults injected: {string.Join(", ", injected.OrderBy(i => i.Key).Select(i => $"{i.Key}={i.Value}"))}; node pauses (SIGSTOP {PauseLength.TotalSeconds} s): {paused}");
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
        Assert.Equal(Operations, sent.Count);
        Assert.True(injected.Values.All(v => v > 0), "every fault kind was injected at least once");
        Assert.True(paused > 0, "a node was paused at least once");
    }

    // Now and then one node's process is frozen (SIGSTOP) for a moment, then resumed: a GC pause or a frozen VM.
    private async Task<int> PauseNodesAsync(CancellationToken over)
    {
        var count = 0;
        var random = new Random(7);
        while (!over.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(BetweenPauses, over);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            var pid = cluster.PidOf(cluster.NodeNames.ElementAt(random.Next(3)));
            Signals.Send(pid, "STOP");
            try
            {
                // How long the fault lasts (not a wait for anything).
                await Task.Delay(PauseLength, CancellationToken.None);
            }
            finally
            {
                Signals.Send(pid, "CONT");
            }

            count++;
        }

        return count;
    }
}
