using System.Text.Json.Nodes;
using ClusterGroups.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Durability;

// The two checks every store kind must pass (README, "What a store promises"): a node's store and the coordinator
// store, each killed (kill -9) mid-load, several rounds, restarted by the AppHost with its own arguments (--recover).
public static class StoreKillChecks
{
    public const int Rounds = 3;

    /// <summary>Every create a node answered 201 is on the node after its store was killed and restarted.</summary>
    public static async Task NodeStoreAsync(ClusterFixture cluster, string nodeName, string storeName, ITestOutputHelper output)
    {
        var node = cluster.Node(nodeName);
        var total = 0;
        for (var round = 1; round <= Rounds; round++)
        {
            var result = await KillUnderLoad.RunAsync($"kn{round}-{Guid.NewGuid():N}"[..16],
                async id => (await node.PostGroupAsync(id)).StatusCode == HttpStatusCode.Created ? new Acknowledged(id) : null,
                () => cluster.KillAsync(storeName), acknowledgedFirst: 500, output);
            await cluster.StartAsync(storeName);

            var held = await GroupsOnceServingAsync(node, nodeName);
            var lost = result.Acknowledged.Where(a => !held.Contains(a.GroupId)).Select(a => a.GroupId).ToList();
            total += result.Acknowledged.Count;
            Assert.True(lost.Count == 0,
                $"round {round}: {lost.Count} of {result.Acknowledged.Count} creates {nodeName} answered 201 are gone after kill -9 of " +
                $"{storeName} ({result.KillAfter.TotalMilliseconds:0} ms into the load): {string.Join(", ", lost.Take(5))}");
        }

        output.WriteLine($"{total} acknowledged creates in {Rounds} rounds, none lost");
    }

    /// <summary>
    /// Every create the Api answered 201 (committed) is committed in the journal (docs/ARCHITECTURE.md, "The journal":
    /// the entry, the group's desired state, its last operation) after the coordinator store was killed and restarted.
    /// </summary>
    public static async Task CoordinatorAsync(ClusterFixture cluster, ITestOutputHelper output)
    {
        var api = cluster.Api();
        var total = 0;
        for (var round = 1; round <= Rounds; round++)
        {
            var result = await KillUnderLoad.RunAsync($"kc{round}-{Guid.NewGuid():N}"[..16], async id =>
                {
                    var response = await api.PostGroupAsync(id);
                    return response.StatusCode == HttpStatusCode.Created
                        ? new Acknowledged(id, (await response.JsonAsync())["operationId"]!.GetValue<string>())
                        : null;
                },
                () => cluster.KillAsync("coordinator"), acknowledgedFirst: 150, output);
            await cluster.StartAsync("coordinator");

            var lost = await NotInJournalAsync(cluster, result.Acknowledged);
            total += result.Acknowledged.Count;
            Assert.True(lost.Count == 0,
                $"round {round}: {lost.Count} of {result.Acknowledged.Count} operations the Api answered 201 (committed) are not " +
                $"committed in the journal after kill -9 of the coordinator ({result.KillAfter.TotalMilliseconds:0} ms into the load): " +
                string.Join("; ", lost.Take(5)));
        }

        output.WriteLine($"{total} committed operations in {Rounds} rounds, all in the journal");
    }

    private static async Task<HashSet<string>> GroupsOnceServingAsync(HttpClient node, string nodeName)
    {
        HashSet<string>? groups = null;
        var last = "no answer yet";
        // The node reconnects to its restarted store by itself; until then its list answers 5xx.
        try
        {
            await Wait.UntilAsync(async () =>
            {
                var response = await node.GetAsync("/v1/groups").WaitAsync(Wait.Request);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    var body = await response.Content.ReadAsStringAsync();
                    last = $"{(int)response.StatusCode} {body[..Math.Min(body.Length, 300)]}";
                    return false;
                }

                groups = [.. (await response.JsonAsync())["groups"]!.AsArray().Select(g => g!["groupId"]!.GetValue<string>())];
                return true;
            }, Wait.Resource, $"{nodeName} lists its groups from its restarted store");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; its last answer: {last}", e);
        }

        return groups!;
    }

    // Committed in the journal: the entry says so, and the group's desired state and last operation are this one's,
    // or a later create's that committed too (the background reconciler may repair a group it saw diverge while the
    // create was under way; the repair is an operation of its own, journaled like any other, and AlreadySo where
    // the group was there).
    private static async Task<List<string>> NotInJournalAsync(ClusterFixture cluster, IReadOnlyList<Acknowledged> acknowledged)
    {
        var connectionString = (await cluster.App.GetConnectionStringAsync("coordinator").AsTask().WaitAsync(Wait.Request))!;
        using var coordinator = await StoreConnection.WhenAnsweringAsync(connectionString, "the restarted coordinator store");
        var db = coordinator.GetDatabase();
        var lost = new List<string>();
        foreach (var batch in acknowledged.Chunk(500))
        {
            var reads = batch.Select(a => (a,
                Entry: db.StringGetAsync($"cg:op:{a.OperationId}"),
                Desired: db.HashGetAsync("cg:desired", a.GroupId),
                Last: db.StringGetAsync($"cg:group:{a.GroupId}:last"))).ToList();
            foreach (var (a, entry, desired, last) in reads)
            {
                var (kind, outcome) = Read((string?)await entry.WaitAsync(Wait.Request));
                var desiredState = (string?)await desired.WaitAsync(Wait.Request);
                var lastOperation = (string?)await last.WaitAsync(Wait.Request);
                var laterCreate = lastOperation is not null && lastOperation != a.OperationId
                    && string.CompareOrdinal(lastOperation, a.OperationId) > 0
                    && Read((string?)await db.StringGetAsync($"cg:op:{lastOperation}").WaitAsync(Wait.Request)) is ("Create", "Committed" or "AlreadySo");
                if (outcome != "Committed" || desiredState != $"+{lastOperation}" || (lastOperation != a.OperationId && !laterCreate))
                {
                    lost.Add($"{a.GroupId} {a.OperationId}: entry {outcome ?? "none"}, desired {desiredState ?? "none"}, last {lastOperation ?? "none"}");
                }
            }
        }

        return lost;
    }

    private static (string? Kind, string? Outcome) Read(string? entry) =>
        entry is null ? (null, null) : JsonNode.Parse(entry) is { } e ? (e["kind"]?.GetValue<string>(), e["outcome"]?.GetValue<string>()) : (null, null);
}
