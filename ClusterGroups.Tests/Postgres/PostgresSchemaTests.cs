using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Coordinator.Postgres;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Journal;
using ClusterGroups.Tests.Infrastructure;
using ClusterGroups.Tests.Infrastructure.Postgres;
using Npgsql;

namespace ClusterGroups.Tests.Postgres;

// The PostgreSQL coordinator's schema and its statements (Api/Coordinator/Postgres), against a real PostgreSQL: the
// migration runner, and Start/Save/leases with the answers of the Redis scripts they stand in for.
public sealed class PostgresSchemaTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    private static string NewGroup() => $"g-{Guid.NewGuid():N}";
    private static string NewId() => $"op-{Guid.CreateVersion7():N}";
    private static long Token(int step = 0) => FencingTokens.Propose(TimeProvider.System, 0) + step;

    // A lease that must not run out during the test, however slow the machine.
    private const int LongLease = 600_000;

    private async Task<(NpgsqlDataSource Source, CoordinatorSql Sql)> MigratedAsync()
    {
        var source = await postgres.NewDatabaseAsync();
        await new PostgresSchema(source).MigrateAsync(CancellationToken.None);
        return (source, new CoordinatorSql(source));
    }

    [SkippableFact]
    public async Task Migrating_twice_applies_each_migration_once()
    {
        await using var source = await postgres.NewDatabaseAsync();
        var schema = new PostgresSchema(source);
        var first = await schema.MigrateAsync(CancellationToken.None);
        var second = await schema.MigrateAsync(CancellationToken.None);

        Assert.Equal(PostgresSchema.Migrations.Select(m => m.Version), first.Select(m => m.Version));
        Assert.Empty(second);
        var sql = new CoordinatorSql(source);
        Assert.Equal(PostgresSchema.LatestVersion, await sql.ScalarAsync<int>("SELECT max(version) FROM cg.schema_version"));
        Assert.Equal(PostgresSchema.Migrations.Count, (int)await sql.ScalarAsync<long>("SELECT count(*) FROM cg.schema_version"));
    }

    [SkippableFact]
    public async Task Api_replicas_starting_together_migrate_once()
    {
        await using var source = await postgres.NewDatabaseAsync();
        // Separate data sources, as separate replicas have: each its own connections.
        var replicas = Enumerable.Range(0, 4).Select(_ => NpgsqlDataSource.Create(source.ConnectionString)).ToList();
        try
        {
            using var timeout = new CancellationTokenSource(Wait.AppStart);
            var applied = await Task.WhenAll(replicas.Select(r => Task.Run(() => new PostgresSchema(r).MigrateAsync(timeout.Token))));
            Assert.Equal(PostgresSchema.Migrations.Count, applied.Sum(a => a.Count));
            Assert.Single(applied, a => a.Count > 0);
            Assert.Equal(PostgresSchema.Migrations.Count,
                (int)await new CoordinatorSql(source).ScalarAsync<long>("SELECT count(*) FROM cg.schema_version"));
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }
    }

    [SkippableFact]
    public async Task A_schema_newer_than_this_Api_knows_is_refused()
    {
        var (source, sql) = await MigratedAsync();
        await using var _ = source;
        await sql.ScalarAsync<object>("INSERT INTO cg.schema_version (version, name) VALUES ($1, 'from_the_future')", PostgresSchema.LatestVersion + 1);
        var error = await Assert.ThrowsAsync<PostgresSchemaException>(() => new PostgresSchema(source).MigrateAsync(CancellationToken.None));
        Assert.Contains($"version {PostgresSchema.LatestVersion + 1}", error.Message, StringComparison.Ordinal);
    }

    // A rolling upgrade: the newer Api migrated first, and says which older Apis its migrations leave working
    // (`-- oldest reader: N`). This Api keeps using a schema whose newer migrations all name it or older; not another.
    [SkippableFact]
    public async Task A_newer_schema_whose_migrations_leave_this_Api_working_is_used_and_another_is_refused()
    {
        var (source, sql) = await MigratedAsync();
        await using var _ = source;
        Assert.Equal(4, await sql.ScalarAsync<int>("SELECT oldest_reader FROM cg.schema_version WHERE version = 5"));

        var next = PostgresSchema.LatestVersion + 1;
        await sql.ScalarAsync<object>("INSERT INTO cg.schema_version (version, name, oldest_reader) VALUES ($1, 'additive', $2)", next, PostgresSchema.LatestVersion);
        Assert.Empty(await new PostgresSchema(source).MigrateAsync(CancellationToken.None));

        await sql.ScalarAsync<object>("INSERT INTO cg.schema_version (version, name, oldest_reader) VALUES ($1, 'breaking', $1)", next + 1);
        var error = await Assert.ThrowsAsync<PostgresSchemaException>(() => new PostgresSchema(source).MigrateAsync(CancellationToken.None));
        Assert.Contains($"version {next + 1}", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Start_takes_the_lease_raises_the_token_and_begins_and_answers_stale_before_busy()
    {
        var (source, sql) = await MigratedAsync();
        await using var _ = source;
        var group = NewGroup();
        var first = new CoordinatorSql.Entry(NewId(), group, Token());

        Assert.Equal(("begun", ""), await sql.StartAsync(first, "owner-a", leaseMs: LongLease));
        Assert.Equal(first.Fence, await sql.ScalarAsync<long>("SELECT fence FROM cg.groups WHERE group_id = $1", group));
        Assert.Equal([first.OperationId], await sql.OpenOperationIdsAsync());
        Assert.Contains(first.OperationId, await sql.LastOperationAsync(group), StringComparison.Ordinal);

        // A higher token while the lease is held: busy, nothing written.
        var second = new CoordinatorSql.Entry(NewId(), group, first.Fence + 10);
        Assert.Equal(("busy", ""), await sql.StartAsync(second, "owner-b"));
        // The same or a lower token: stale, with the current one (answered before busy, as the Redis script does).
        Assert.Equal(("stale", $"{first.Fence}"), await sql.StartAsync(second with { Fence = first.Fence }, "owner-b"));
        Assert.Equal(("stale", $"{first.Fence}"), await sql.StartAsync(second with { Fence = first.Fence - 5 }, "owner-b"));
        Assert.Null(await sql.OperationAsync(second.OperationId));
        Assert.Equal(first.Fence, await sql.ScalarAsync<long>("SELECT fence FROM cg.groups WHERE group_id = $1", group));
    }

    [SkippableFact]
    public async Task Close_saves_records_the_desired_state_frees_the_lease_and_starts_the_retention()
    {
        var (source, sql) = await MigratedAsync();
        await using var _ = source;
        var group = NewGroup();
        var op = new CoordinatorSql.Entry(NewId(), group, Token(), Caller: "ops");
        Assert.Equal("begun", (await sql.StartAsync(op, "owner-a")).Answer);

        var closed = op with { Outcome = "Committed", Open = false };
        Assert.True(await sql.SaveAsync(closed, retentionMs: 60_000, desiredPresent: true, releaseOwner: "owner-a"));

        Assert.Null(await sql.ScalarAsync<string>("SELECT lease_owner FROM cg.groups WHERE group_id = $1", group));
        Assert.Equal([$"{group}|true|{op.OperationId}"],
            await sql.ColumnAsync("SELECT group_id || '|' || present::text || '|' || operation_id FROM cg.desired_states($1)", (object)new[] { group, NewGroup() }));
        Assert.Empty(await sql.OpenOperationIdsAsync());
        // Retention by the database's clock: expires about a minute from its now.
        var remaining = await sql.ScalarAsync<double>(
            "SELECT extract(epoch FROM expires_at - clock_timestamp())::float8 FROM cg.operations WHERE operation_id = $1", op.OperationId);
        Assert.InRange(remaining, 30, 60);

        // The next operation starts at once (the lease is free) and learns which one ran last.
        var next = new CoordinatorSql.Entry(NewId(), group, op.Fence + 1, Kind: "Delete");
        Assert.Equal(("begun", op.OperationId), await sql.StartAsync(next, "owner-b"));
        Assert.True(await sql.SaveAsync(next with { Outcome = "Committed", Open = false }, desiredPresent: false, releaseOwner: "owner-b"));
        Assert.Equal([$"false|{next.OperationId}"],
            await sql.ColumnAsync("SELECT present::text || '|' || operation_id FROM cg.desired_states($1)", (object)new[] { group }));
    }

    [SkippableFact]
    public async Task Start_reports_an_open_last_operation_or_only_checks_and_begins_nothing()
    {
        var (source, sql) = await MigratedAsync();
        await using var _ = source;
        var group = NewGroup();
        var stuck = new CoordinatorSql.Entry(NewId(), group, Token());
        Assert.Equal("begun", (await sql.StartAsync(stuck, "owner-a", leaseMs: 1)).Answer);

        // Its owner died; its lease expires by the database's clock; the next Start takes the lease, finds it open
        // and begins nothing.
        var next = new CoordinatorSql.Entry(NewId(), group, 0);
        (string Answer, string Value) answer = default;
        await Wait.UntilAsync(async () => (answer = await sql.StartAsync(next with { Fence = Token() }, "owner-b")).Answer != "busy",
            Wait.Resource, "the first lease to expire");
        Assert.Equal(("open", stuck.OperationId), answer);
        Assert.Null(await sql.OperationAsync(next.OperationId));

        // Its new owner closes it; then a repair's Start without begin takes the lease, reports it and begins nothing.
        var current = await sql.ScalarAsync<long>("SELECT fence FROM cg.groups WHERE group_id = $1", group);
        Assert.True(await sql.SaveAsync(stuck with { Fence = current, Outcome = "RolledBack", Open = false }, releaseOwner: "owner-b"));
        Assert.Equal(("checked", stuck.OperationId), await sql.StartAsync(next with { Fence = current + 1 }, "owner-c", begin: false));
        Assert.Null(await sql.OperationAsync(next.OperationId));
        Assert.True(await sql.BeginAsync(next with { Fence = current + 1 }));
        Assert.Contains(next.OperationId, await sql.LastOperationAsync(group), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_stale_owners_save_and_begin_change_nothing()
    {
        var (source, sql) = await MigratedAsync();
        await using var _ = source;
        var group = NewGroup();
        var op = new CoordinatorSql.Entry(NewId(), group, Token());
        Assert.Equal("begun", (await sql.StartAsync(op, "paused-owner", leaseMs: 1)).Answer);

        // Another replica takes the group over with a higher token (the paused owner's lease ran out).
        long? taken = null;
        await Wait.UntilAsync(async () => (taken = await sql.TakeLeaseAsync(group, "recovery", LongLease, 0)) is not null, Wait.Resource, "the lease to expire");
        Assert.True(taken > op.Fence);
        var before = await sql.OperationAsync(op.OperationId);

        // The paused owner wakes up and writes with its old token: refused, nothing changed.
        Assert.False(await sql.SaveAsync(op with { Outcome = "Committed", Open = false }, desiredPresent: true, releaseOwner: "paused-owner"));
        Assert.False(await sql.BeginAsync(op with { OperationId = NewId() }));
        Assert.Equal(before, await sql.OperationAsync(op.OperationId));
        Assert.Equal("recovery", await sql.ScalarAsync<string>("SELECT lease_owner FROM cg.groups WHERE group_id = $1", group));
        Assert.Equal(0L, await sql.ScalarAsync<long>("SELECT count(*) FROM cg.groups WHERE group_id = $1 AND desired_present IS NOT NULL", group));

        // The new owner's save goes through.
        Assert.True(await sql.SaveAsync(op with { Fence = taken!.Value, Outcome = "RolledBack", Open = false }, releaseOwner: "recovery"));
    }

    [SkippableFact]
    public async Task Tokens_only_grow_whatever_clock_the_caller_brings()
    {
        var (source, sql) = await MigratedAsync();
        await using var _ = source;
        var group = NewGroup();
        var first = await sql.TakeLeaseAsync(group, "a", LongLease, Token());
        Assert.NotNull(first);
        Assert.Null(await sql.TakeLeaseAsync(group, "b", LongLease, Token()));
        Assert.True(await sql.ReleaseLeaseAsync(group, "a"));
        // A caller whose clock runs far behind still gets a higher token than the last one.
        Assert.Equal(first + 1, await sql.TakeLeaseAsync(group, "b", 10_000, 1));
        Assert.False(await sql.ReleaseLeaseAsync(group, "a"), "a released lease cannot be released again by its old owner");
    }

    [SkippableFact]
    public async Task A_lease_is_renewed_only_by_its_owner_and_only_before_the_database_says_it_expired()
    {
        var (source, sql) = await MigratedAsync();
        await using var _ = source;
        var group = NewGroup();
        Assert.NotNull(await sql.TakeLeaseAsync(group, "a", LongLease, Token()));
        Assert.False(await sql.ExtendLeaseAsync(group, "b", LongLease));
        Assert.True(await sql.ExtendLeaseAsync(group, "a", 1));
        await Wait.UntilAsync(async () => await sql.ScalarAsync<bool>(
            "SELECT lease_expires_at <= clock_timestamp() FROM cg.groups WHERE group_id = $1", group), Wait.Resource, "the lease to expire");
        Assert.False(await sql.ExtendLeaseAsync(group, "a", 60_000));
    }

    [SkippableFact]
    public async Task Of_concurrent_starts_on_one_group_exactly_one_begins()
    {
        var (source, sql) = await MigratedAsync();
        await using var _ = source;
        var group = NewGroup();
        var fence = Token();
        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Task.Run(() => sql.StartAsync(new CoordinatorSql.Entry(NewId(), group, fence + i + 1), $"owner-{i}", LongLease)))).WaitAsync(Wait.Request);
        Assert.Single(answers, a => a.Answer == "begun");
        Assert.All(answers, a => Assert.Contains(a.Answer, new[] { "begun", "busy", "stale" }));
        Assert.Single(await sql.OpenOperationIdsAsync());
    }

    [SkippableFact]
    public async Task Search_walks_each_filter_newest_first_page_by_page_and_skips_expired_entries()
    {
        var (source, sql) = await MigratedAsync();
        await using var _ = source;
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000);
        var ops = new List<CoordinatorSql.Entry>();
        for (var i = 0; i < 12; i++)
        {
            // Two per millisecond: ties are ordered by id, as the cursor expects.
            var op = new CoordinatorSql.Entry(NewId(), i % 3 == 0 ? "g-a" : "g-b", Token(i), Caller: i % 2 == 0 ? "ops" : "ci",
                StartedAt: t0.AddMilliseconds(i / 2));
            Assert.True(await sql.BeginAsync(op));
            var outcome = i % 4 == 0 ? "PendingRepair" : "Committed";
            Assert.True(await sql.SaveAsync(op with { Outcome = outcome, Open = outcome == "PendingRepair" }));
            ops.Add(op with { Outcome = outcome });
        }

        static List<string> Newest(IEnumerable<CoordinatorSql.Entry> e) =>
            [.. e.OrderByDescending(o => o.Started).ThenByDescending(o => o.OperationId, StringComparer.Ordinal).Select(o => o.OperationId)];

        Assert.Equal(Newest(ops), await sql.SearchAsync());
        Assert.Equal(Newest(ops.Where(o => o.GroupId == "g-a")), await sql.SearchAsync(groupId: "g-a"));
        Assert.Equal(Newest(ops.Where(o => o.Outcome == "PendingRepair")), await sql.SearchAsync(outcome: "PendingRepair"));
        Assert.Equal(Newest(ops.Where(o => o.Outcome == "PendingRepair")), await sql.SearchAsync(openOnly: true));
        Assert.Equal(Newest(ops.Where(o => o.Caller == "ci")), await sql.SearchAsync(caller: "ci"));
        Assert.Equal(Newest(ops.Where(o => o.Started >= t0.AddMilliseconds(4))), await sql.SearchAsync(since: t0.AddMilliseconds(4)));

        // Pages of 5 with the cursor (start, id) of each page's last entry: every operation once, in order.
        var paged = new List<string>();
        (DateTimeOffset, string)? cursor = null;
        while (true)
        {
            var page = await sql.SearchAsync(after: cursor, limit: 5);
            paged.AddRange(page);
            if (page.Count < 5)
            {
                break;
            }

            var last = ops.Single(o => o.OperationId == page[^1]);
            cursor = (last.Started, last.OperationId);
        }

        Assert.Equal(Newest(ops), paged);

        // A closed entry past its retention reads as gone at once, and a close with prune deletes it.
        var expired = ops.First(o => o.Outcome == "Committed");
        Assert.True(await sql.SaveAsync(expired with { Open = false, Fence = expired.Fence }, retentionMs: 0));
        Assert.DoesNotContain(expired.OperationId, await sql.SearchAsync());
        Assert.Null(await sql.OperationAsync(expired.OperationId));
        var other = ops.Last(o => o.Outcome == "Committed");
        Assert.True(await sql.SaveAsync(other with { Open = false }, prune: 100));
        Assert.Equal(0L, await sql.ScalarAsync<long>("SELECT count(*) FROM cg.operations WHERE operation_id = $1", expired.OperationId));
    }

    [SkippableFact]
    public async Task Each_search_filter_is_served_by_its_index()
    {
        var (source, sql) = await MigratedAsync();
        await using var _ = source;
        // A journal's shape: many groups, mostly closed, a few callers, 1 % open.
        await sql.ScalarAsync<object>("""
            INSERT INTO cg.operations (operation_id, group_id, kind, outcome, open, started_at, caller, fence, entry, expires_at)
            SELECT 'op-' || i, 'g-' || (i % 500), 'Create', CASE WHEN i % 100 = 0 THEN 'PendingRepair' WHEN i % 7 = 0 THEN 'RolledBack' ELSE 'Committed' END,
                   i % 100 = 0, now() - i * interval '1 second', 'caller-' || (i % 5), i, '{}',
                   CASE WHEN i % 100 = 0 THEN NULL ELSE now() + interval '7 days' END
              FROM generate_series(1, 20000) i;
            ANALYZE cg.operations;
            """);
        await using var connection = await source.OpenConnectionAsync();
        // A selective filter is read through its own index (its few rows may then be sorted); a broad one, or none, is
        // walked in an index's order a page at a time (the planner may take the start index and filter), never
        // sorted whole.
        foreach (var (where, index, ordered) in new (string, string, bool)[]
                 {
                     ("group_id = 'g-7'", "operations_by_group", false), ("outcome = 'RolledBack'", "operations_by_outcome", false),
                     ("caller = 'caller-3'", "operations_by_caller", false), ("open", "operations_open", false),
                     ("outcome = 'Committed'", "Index Scan", true), ("true", "operations_by_start", true),
                 })
        {
            // The statement cg.search_operations builds for that filter.
            await using var explain = new NpgsqlCommand(
                $"EXPLAIN SELECT o.operation_id FROM cg.operations o WHERE (o.expires_at IS NULL OR o.expires_at > clock_timestamp()) AND {where} ORDER BY o.started_at DESC, o.operation_id DESC LIMIT 50",
                connection);
            var plan = string.Join('\n', await ReadAllAsync(explain));
            Assert.True(plan.Contains(index, StringComparison.Ordinal) && !(ordered && plan.Contains("Sort", StringComparison.Ordinal)),
                $"{where}: expected {index}{(ordered ? ", walked in its order" : "")}, got:\n{plan}");
        }
    }

    private static async Task<List<string>> ReadAllAsync(NpgsqlCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return lines;
    }

    [SkippableFact]
    public async Task Journal_entries_of_both_versions_read_back_from_jsonb()
    {
        var (source, sql) = await MigratedAsync();
        await using var _ = source;
        var group = NewGroup();
        var state = new OperationState(new Operation(NewId(), OperationKind.Create, group),
            [new NodeProgress("node1"), new NodeProgress("node2")], caller: "ops", traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        state.Lease("owner", Token(), DateTimeOffset.UtcNow);
        state.Node("node1")!.Learn(NodeEffect.Applied);
        state.Node("node2")!.Learn(NodeEffect.NotApplied);
        Assert.False(state.Decide());
        state.Node("node1")!.Compensate(CompensationState.Pending);
        Assert.False(state.Settle());
        state.Answered(DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(12.345));
        Assert.Equal(Outcome.PendingRepair, state.Outcome);
        var v2 = new CoordinatorSql.Entry(state.Id, group, state.Fence, Json: JournalFormat.Write(state));
        Assert.Equal("begun", (await sql.StartAsync(v2, "owner")).Answer);

        // v1: the Api's old answer, no journalVersion.
        var v1Id = NewId();
        var v1 = new CoordinatorSql.Entry(v1Id, group, state.Fence, Outcome: "PendingRepair", Json: $$"""
            {"operationId":"{{v1Id}}","kind":"Delete","groupId":"{{group}}","outcome":"PendingRepair","summary":"s",
             "startedAt":"2026-12-01T10:51:51.1864273+00:00","endedAt":null,"durationMs":441.9131,"owner":"vm:1",
             "traceParent":null,"recoveries":1,"lastRecoveryAt":null,
             "nodes":[{"node":"n1","effect":"Applied","compensation":"Pending","attempts":1,"durationMs":2.5,
                       "calls":[{"phase":"apply","attempt":1,"call":{"request":"delete","status":500,"error":null,"detail":null,"durationMs":2.5},"at":"2026-12-01T10:51:51.2+00:00"}]}]}
            """);
        Assert.True(await sql.SaveAsync(v1));

        var readV2 = JournalFormat.Read((await sql.OperationAsync(state.Id))!)!;
        Assert.Equal(JournalFormat.Write(state), JournalFormat.Write(readV2));
        var readV1 = JournalFormat.Read((await sql.OperationAsync(v1Id))!)!;
        Assert.Equal((OperationKind.Delete, Outcome.PendingRepair, 1), (readV1.Kind, readV1.Outcome, readV1.Recoveries));
        Assert.Equal(NodeEffect.Applied, Assert.Single(readV1.Nodes).Effect);
    }
}
