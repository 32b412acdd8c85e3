using System.Text.Json.Nodes;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Coordinator;

public sealed class ReplicatedApiFixture : ClusterFixture
{
    protected override int ApiReplicas => 2;
    protected override string AttemptTimeout => "00:00:01";

    // No background reconciler: what these tests check is the protocol's own doing (recovery, takeover), not a repair
    // after it. A node's Retry-After is honoured up to 10 s: PausedRollbackTests holds a replica on node3 with it.
    protected override void Configure(IDistributedApplicationTestingBuilder builder) =>
        builder.CreateResourceBuilder<ProjectResource>("api")
            .WithEnvironment("Cluster__Reconciler__Interval", "00:00:00")
            .WithEnvironment("Cluster__Resilience__MaxRetryAfter", "00:00:10");
}

[CollectionDefinition(Name)]
public sealed class ReplicatedApiCollection : ICollectionFixture<ReplicatedApiFixture>
{
    public const string Name = "cluster (2 api replicas)";
}

// Two Api replicas share the journal and the per-group leases in the coordinator store.
[Collection(ReplicatedApiCollection.Name)]
public sealed class ReplicaTests(ReplicatedApiFixture cluster) : IAsyncLifetime
{
    private static readonly TimeSpan Duration =
        TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("REPLICA_SOAK_SECONDS"), out var s) ? s : 30);

    public Task InitializeAsync() => cluster.MakeStableAsync();

    public Task DisposeAsync() => cluster.MakeStableAsync();

    [Fact]
    public async Task Two_replicas_hammering_five_ids_under_faults_never_overlap_on_an_id_and_end_consistent()
    {
        foreach (var node in cluster.NodeNames)
        {
            await cluster.SetChaosAsync(node, new { faultRate = 0.1, delay = "00:00:01.200" });
        }

        var ids = Enumerable.Range(0, 5).Select(i => $"rep{i}-{Guid.NewGuid():N}"[..14]).ToArray();
        var operations = (await ReplicaLoad.RunAsync(cluster, ids, Duration)).Select(o => o.OperationId).OfType<string>().ToList();

        await cluster.MakeStableAsync();
        var client = cluster.Api();
        await ReplicaLoad.NoneOpenAsync(client);

        var reports = new List<JsonNode>();
        foreach (var op in operations)
        {
            reports.Add(await (await client.GetAsync($"/v1/operations/{op}")).JsonAsync());
        }

        // Both replicas served operations (the owner names the process), and none overlapped another on its id.
        var processes = reports.Select(r => string.Join(':', r["owner"]!.GetValue<string>().Split(':').Take(2))).Distinct().ToList();
        Assert.True(processes.Count >= 2, $"operations came from {string.Join(", ", processes)} only");
        // Overlap is judged on the node calls: an operation's last call had returned (its "at") before the next
        // operation on the id sent its first (its "at" less its duration). Both replicas share this machine's clock.
        foreach (var byId in reports.GroupBy(r => r["groupId"]!.GetValue<string>()))
        {
            var ordered = byId.Where(r => Calls(r).Any()).OrderBy(r => Calls(r).Min(c => c.Sent)).ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                var lastReturned = Calls(ordered[i - 1]).Max(c => c.Returned);
                var firstSent = Calls(ordered[i]).Min(c => c.Sent);
                Assert.True(lastReturned <= firstSent,
                    $"{ordered[i - 1]["operationId"]} (last call returned {lastReturned:O}) and {ordered[i]["operationId"]} "
                    + $"(first call sent {firstSent:O}) overlapped on {byId.Key}");
            }
        }

        var consistency = await (await client.GetAsync("/v1/cluster/consistency")).JsonAsync();
        Assert.True(consistency["consistent"]!.GetValue<bool>(), consistency.ToJsonString());
        Assert.True(operations.Count > 20, $"only {operations.Count} operations in {Duration}");
    }

    private static IEnumerable<(DateTimeOffset Sent, DateTimeOffset Returned)> Calls(JsonNode report) =>
        report["nodes"]!.AsArray().SelectMany(n => n!["calls"]!.AsArray()).Select(c =>
        {
            var returned = c!["at"]!.GetValue<DateTimeOffset>();
            return (returned - TimeSpan.FromMilliseconds(c["call"]!["durationMs"]!.GetValue<double>()), returned);
        });
}
