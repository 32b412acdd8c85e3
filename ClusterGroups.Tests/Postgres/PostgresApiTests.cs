using ClusterGroups.Tests.Infrastructure;
using ClusterGroups.Tests.Infrastructure.Postgres;
using Npgsql;

namespace ClusterGroups.Tests.Postgres;

// The app with Cluster:Coordinator=postgres: a local PostgreSQL run by the AppHost, two Api replicas sharing it.
// Started only where PostgreSQL is installed (the tests then skip themselves with the install command).
public sealed class PostgresApiFixture : ClusterFixture
{
    protected override int ApiReplicas => 2;
    protected override string AttemptTimeout => "00:00:01";
    protected override string Coordinator => "postgres";

    // initdb and two Api replicas that migrate the schema: minutes on a loaded two-core machine.
    protected override TimeSpan StartTimeout => Wait.AppStart * 2;

    public override Task InitializeAsync() => PostgresCluster.Problem is null ? base.InitializeAsync() : Task.CompletedTask;

    public async Task<NpgsqlDataSource> CoordinatorDatabaseAsync() =>
        NpgsqlDataSource.Create((await App.GetConnectionStringAsync("coordinator").AsTask().WaitAsync(Wait.Request))!);
}

[CollectionDefinition(Name)]
public sealed class PostgresApiCollection : ICollectionFixture<PostgresApiFixture>
{
    public const string Name = "cluster (2 api replicas, postgres coordinator)";
}

// End to end on the PostgreSQL coordinator: the Api migrates the schema at start, leases and journals there.
[Collection(PostgresApiCollection.Name)]
public sealed class PostgresApiTests(PostgresApiFixture cluster)
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task Two_replicas_on_PostgreSQL_journal_every_acknowledged_operation_with_tokens_that_only_grow()
    {
        PostgresRequirement.Check();
        await cluster.MakeStableAsync();
        foreach (var node in cluster.NodeNames)
        {
            await cluster.SetChaosAsync(node, new { faultRate = 0.1, delay = "00:00:01.200" });
        }

        var ids = Enumerable.Range(0, 5).Select(i => $"pg{i}-{Guid.NewGuid():N}"[..14]).ToArray();
        var answers = await ReplicaLoad.RunAsync(cluster, ids, Duration);
        var operations = answers.Where(a => a.Status is >= 200 and < 300).Select(a => a.OperationId).OfType<string>().ToList();
        var statuses = string.Join(", ", answers.GroupBy(a => a.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"));

        await cluster.MakeStableAsync();
        var client = cluster.Api();
        await ReplicaLoad.NoneOpenAsync(client);

        // Every acknowledged operation is in the journal, and both replicas ran some.
        Assert.True(operations.Count >= 5, $"only {operations.Count} operations acknowledged in {Duration} (answers {statuses})");
        var owners = new HashSet<string>();
        foreach (var op in operations)
        {
            var report = await client.GetAsync($"/v1/operations/{op}");
            Assert.True(report.IsSuccessStatusCode, $"{op} acknowledged, not in the journal: {(int)report.StatusCode}");
            owners.Add(string.Join(':', (await report.JsonAsync())["owner"]!.GetValue<string>().Split(':').Take(2)));
        }

        Assert.True(owners.Count >= 2, $"operations came from {string.Join(", ", owners)} only");

        // In the database: every acknowledged operation's row, and per group tokens that never went back in the order
        // the operations started (equal only where one operation finished another under its own lease).
        await using var db = await cluster.CoordinatorDatabaseAsync();
        await using var rows = db.CreateCommand("""
            SELECT o.group_id, o.operation_id, o.started_at, o.fence, g.fence
              FROM cg.operations o JOIN cg.groups g USING (group_id) WHERE o.group_id = ANY($1) ORDER BY o.started_at
            """);
        rows.Parameters.Add(new NpgsqlParameter { Value = ids });
        var journal = new List<(string Group, string Id, DateTime Started, long Fence, long Current)>();
        await using (var reader = await rows.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                journal.Add((reader.GetString(0), reader.GetString(1), reader.GetDateTime(2), reader.GetInt64(3), reader.GetInt64(4)));
            }
        }

        Assert.Subset(journal.Select(j => j.Id).ToHashSet(), operations.ToHashSet());
        foreach (var group in journal.GroupBy(j => j.Group))
        {
            var ordered = group.ToList();
            Assert.All(ordered, j => Assert.True(j.Fence <= j.Current, $"{j.Id}'s token {j.Fence} above its group's {j.Current}"));
            for (var i = 1; i < ordered.Count; i++)
            {
                Assert.True(ordered[i].Started == ordered[i - 1].Started || ordered[i].Fence >= ordered[i - 1].Fence,
                    $"{ordered[i].Id} started after {ordered[i - 1].Id} with a lower token ({ordered[i].Fence} < {ordered[i - 1].Fence})");
            }
        }

        var consistency = await (await client.GetAsync("/v1/cluster/consistency")).JsonAsync();
        Assert.True(consistency["consistent"]!.GetValue<bool>(), consistency.ToJsonString());
    }
}
