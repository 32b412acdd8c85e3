using System.Globalization;
using ClusterGroups.Api.Journal;
using ClusterGroups.Api.Model;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ClusterGroups.Api.Coordinator.Postgres;

// The coordinator in PostgreSQL (schema cg, Migrations/0001_coordinator.sql), shared by every Api replica. Each step
// of the port is one statement calling one of the schema's functions, so it is one round trip and one transaction:
// the lease, the token, the entry, its search columns and the desired state never disagree. Lease expiry and
// retention are decided by the database's clock (clock_timestamp()), never by an Api's.
//
// A write whose answer never came, or whose commit was acknowledged without its wait for a synchronous standby
// (PostgreSQL then commits locally, warns and answers success), is CoordinatorStoreException: unknown, never done.
// Writes ignore the caller's token, as the Redis coordinator's do: a half-sent write is worse than a late answer, and
// the connection string's Command Timeout bounds them.
// Every statement goes with the timeline check in front of it (PostgresTimeline): a primary on a timeline below one this
// Api has seen (an old primary resumed after a failover) answers nothing, and that is CoordinatorStoreException too.
public sealed class PostgresCoordinator(NpgsqlDataSource dataSource, IOptions<CoordinatorOptions> options, PostgresTimeline timeline) : ICoordinator, ICoordinatorBatch
{
    // A batch is its writes one by one (each its own transaction): the Api never sends this coordinator one (only
    // RedisCoordinator batches); concurrent operations' writes go on separate connections instead.
    public Task<IReadOnlyList<CoordinatorAnswer>> CommitAsync(IReadOnlyList<CoordinatorWrite> writes, CancellationToken ct) =>
        ICoordinatorBatch.OneByOneAsync(this, writes, ct);

    private const int PruneEvery = 16;
    private const int PruneBatch = 64;
    private long _closes;

    // With a keyed operation to begin, the key is claimed first in the same transaction (Migrations/0002); the
    // membership epoch is checked before anything (Migrations/0004).
    public Task<LeaseAnswer> AcquireAsync(LeaseRequest request, OperationState? begin, CancellationToken ct) =>
        WriteAsync(begin?.Key is null
                ? "SELECT answer, value FROM cg.start_at($12, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                : "SELECT answer, value FROM cg.start_keyed_at($12, $13, $14, $15, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            [
                Text(request.GroupId), request.Token, Text(request.Owner), LeaseMs(request.Duration), begin is not null,
                Text(begin?.Id), Text(begin?.Kind.ToString()), Text(begin?.Outcome.ToString()), Time(begin?.StartedAt),
                Text(begin?.Caller), Json(begin), begin?.Epoch ?? 0L, .. KeyArgs(begin),
            ],
            async reader =>
            {
                await reader.ReadAsync();
                var (answer, value) = (reader.GetString(0), reader.GetString(1));
                var last = value.Length == 0 ? null : value;
                return answer switch
                {
                    "stale" => new LeaseAnswer.Stale(long.Parse(value, CultureInfo.InvariantCulture)),
                    "busy" => new LeaseAnswer.Busy(),
                    "keyed" => new LeaseAnswer.Keyed(KeyedRequest.Read(value)),
                    "epoch" => throw new MembershipChangedException(begin!.Epoch, long.Parse(value, CultureInfo.InvariantCulture)),
                    "begun" => new LeaseAnswer.Taken(last, LastOpen: false, Begun: true),
                    "open" => new LeaseAnswer.Taken(last, LastOpen: true, Begun: false),
                    _ => (LeaseAnswer)new LeaseAnswer.Taken(last, LastOpen: false, Begun: false),
                };
            });

    public Task<bool> RenewAsync(string groupId, string owner, TimeSpan duration, CancellationToken ct) =>
        WriteAsync("SELECT cg.extend_lease($1, $2, $3)", [Text(groupId), Text(owner), LeaseMs(duration)], ReadBoolAsync);

    public Task ReleaseAsync(string groupId, string owner, CancellationToken ct) =>
        WriteAsync("SELECT cg.release_lease($1, $2)", [Text(groupId), Text(owner)], ReadBoolAsync);

    public async Task<KeyedRequest?> BeginAsync(OperationState op, CancellationToken ct)
    {
        object[] args =
        [
            Text(op.GroupId), op.Fence, Text(op.Id), Text(op.Kind.ToString()), Text(op.Outcome.ToString()),
            Time(op.StartedAt), Text(op.Caller), Json(op), op.Epoch,
        ];
        var answer = await WriteAsync(op.Key is null
                ? "SELECT cg.begin_at($9, $1, $2, $3, $4, $5, $6, $7, $8)"
                : "SELECT cg.begin_keyed_at($9, $10, $11, $12, $1, $2, $3, $4, $5, $6, $7, $8)",
            [.. args, .. KeyArgs(op)], async reader => await reader.ReadAsync() && !reader.IsDBNull(0) ? reader.GetString(0) : "fenced");
        if (answer.StartsWith("epoch ", StringComparison.Ordinal))
        {
            throw new MembershipChangedException(op.Epoch, long.Parse(answer["epoch ".Length..], CultureInfo.InvariantCulture));
        }

        Written(op, answer != "fenced");
        return answer.Length == 0 ? null : KeyedRequest.Read(answer);
    }

    public Task<Membership?> GetMembershipAsync(CancellationToken ct) =>
        ReadAsync("SELECT membership::text FROM cg.membership WHERE id = 1 AND epoch > 0", [],
            async reader => await reader.ReadAsync() && !reader.IsDBNull(0) ? MembershipFormat.Read(reader.GetString(0)) : null, ct);

    public async Task<bool> ChangeMembershipAsync(Membership next, int needs, CancellationToken ct)
    {
        var answer = await WriteAsync("SELECT cg.change_membership_gated($1, $2, $3)",
            [next.Epoch, new NpgsqlParameter { Value = MembershipFormat.Write(next), NpgsqlDbType = NpgsqlDbType.Jsonb }, needs],
            async reader => await reader.ReadAsync() ? reader.GetString(0) : "");
        return answer == "recorded" || (answer.StartsWith("older ", StringComparison.Ordinal)
            ? throw new OlderReplicasLiveException(ReplicaFormat.ReadAll(answer["older ".Length..]))
            : false);
    }

    public Task AnnounceAsync(ReplicaAnnouncement replica, TimeSpan ttl, CancellationToken ct) =>
        WriteAsync("SELECT cg.announce($1, $2, $3)",
            [Text(replica.Replica), new NpgsqlParameter { Value = ReplicaFormat.Write(replica), NpgsqlDbType = NpgsqlDbType.Jsonb }, LeaseMs(ttl)],
            async reader => await reader.ReadAsync());

    public Task WithdrawAsync(string replica, CancellationToken ct) =>
        WriteAsync("DELETE FROM cg.replicas WHERE replica = $1", [Text(replica)], async reader => await reader.ReadAsync());

    public Task<IReadOnlyList<ReplicaAnnouncement>> ListReplicasAsync(CancellationToken ct) =>
        ReadAsync("SELECT announcement::text FROM cg.replicas WHERE expires_at > clock_timestamp() ORDER BY replica", [],
            async reader =>
            {
                var replicas = new List<ReplicaAnnouncement>();
                while (await reader.ReadAsync())
                {
                    if (ReplicaFormat.Read(reader.GetString(0)) is { } replica)
                    {
                        replicas.Add(replica);
                    }
                }

                return (IReadOnlyList<ReplicaAnnouncement>)replicas;
            }, ct);

    public async Task<KeyedRequest?> RefuseKeyAsync(RequestKey key, KeyedRequest refusal, CancellationToken ct)
    {
        var holder = await WriteAsync("SELECT cg.refuse_key($1, $2, $3, $4)",
            [Text(key.Scope), Text(key.Value), Text(refusal.Write()), (long)options.Value.IdempotencyKeyWindow.TotalMilliseconds],
            async reader => await reader.ReadAsync() && !reader.IsDBNull(0) ? reader.GetString(0) : null);
        return holder is null ? null : KeyedRequest.Read(holder);
    }

    public Task SaveAsync(OperationState op, CancellationToken ct) => SaveAsync(op, desired: null, releaseOwner: null);

    public Task CloseAsync(OperationState op, string? releaseOwner, CancellationToken ct) =>
        SaveAsync(op, DesiredGroup.Of(op), releaseOwner);

    private async Task SaveAsync(OperationState op, DesiredGroup? desired, string? releaseOwner)
    {
        // Expired entries are deleted by one close in 16, a batch at a time: a close's cost stays one short statement.
        var prune = !op.IsOpen && Interlocked.Increment(ref _closes) % PruneEvery == 0 ? PruneBatch : 0;
        // The close of a keyed operation starts its key's window in the same transaction.
        var keyed = !op.IsOpen && op.Key is not null;
        Written(op, await WriteAsync(keyed
                ? "SELECT cg.close_keyed($15, $16, $17, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
                : "SELECT cg.save($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            [
                Text(op.GroupId), op.Fence, Text(op.Id), Text(op.Kind.ToString()), Text(op.Outcome.ToString()), op.IsOpen,
                Time(op.StartedAt), Time(op.IsOpen ? null : op.EndedAt ?? op.StartedAt), Text(op.Caller), Json(op),
                (long)options.Value.ClosedRetention.TotalMilliseconds,
                new NpgsqlParameter { Value = desired is { } d ? d.Present : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean },
                Text(releaseOwner), prune,
                .. keyed ? [Text(op.Key!.Scope), Text(op.Key.Value), (long)options.Value.IdempotencyKeyWindow.TotalMilliseconds] : Array.Empty<object>(),
            ],
            ReadBoolAsync));
    }

    public Task<OperationState?> GetAsync(string operationId, CancellationToken ct) =>
        ReadAsync("SELECT cg.operation($1)", [Text(operationId)], ReadEntryAsync, ct);

    public async Task<IReadOnlyList<OperationState>> ListOpenAsync(CancellationToken ct) =>
        await ReadAsync("SELECT e FROM cg.open_operations() e", [], ReadEntriesAsync, ct);

    public Task<OperationState?> LastForGroupAsync(string groupId, CancellationToken ct) =>
        ReadAsync("SELECT cg.last_operation($1)", [Text(groupId)], ReadEntryAsync, ct);

    // One indexed statement per page (the function plans it on the most selective filter given). Start times are
    // stored to the millisecond, so the order (start, id) and the cursor are the Redis coordinator's.
    public async Task<OperationPage> SearchAsync(OperationQuery query, CancellationToken ct)
    {
        var since = query.Since is { } s ? DateTimeOffset.FromUnixTimeMilliseconds(s.ToUnixTimeMilliseconds()) : (DateTimeOffset?)null;
        var after = query.After is { } a ? DateTimeOffset.FromUnixTimeMilliseconds(a.StartedAtMs) : (DateTimeOffset?)null;
        var rows = await ReadAsync("SELECT entry FROM cg.search_operations($1, $2, $3, $4, $5, $6, $7, $8)",
            [
                Text(query.GroupId), Text(query.Outcome?.ToString()), query.OpenOnly, Text(query.Caller), Time(since), Time(after),
                Text(query.After?.OperationId), query.Limit + 1,
            ],
            ReadEntriesAsync, ct);
        var page = rows.Take(query.Limit).ToList();
        var next = rows.Count > query.Limit ? OperationCursor.Of(page[^1]) : null;
        // Since is exact to the tick; the statement compared milliseconds.
        return new OperationPage([.. page.Where(query.Matches)], next);
    }

    public Task<IReadOnlyDictionary<string, DesiredGroup>> GetDesiredAsync(IReadOnlyCollection<string> groupIds, CancellationToken ct) =>
        ReadAsync("SELECT group_id, present, operation_id FROM cg.desired_states($1)",
            [new NpgsqlParameter { Value = groupIds.Distinct(StringComparer.Ordinal).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text }],
            async reader =>
            {
                var found = new Dictionary<string, DesiredGroup>(StringComparer.Ordinal);
                while (await reader.ReadAsync())
                {
                    found[reader.GetString(0)] = new DesiredGroup(reader.GetBoolean(1), reader.GetString(2));
                }

                return (IReadOnlyDictionary<string, DesiredGroup>)found;
            }, ct);

    // Keyset paging by groupId (the "C" collation: ordinal); the cursor is the last groupId of the page before.
    public Task<DesiredPage> ListDesiredAsync(string? cursor, int limit, CancellationToken ct) =>
        ReadAsync("""
            SELECT group_id, desired_present, desired_operation_id FROM cg.groups
             WHERE desired_present IS NOT NULL AND ($1::text IS NULL OR group_id > $1) ORDER BY group_id LIMIT $2
            """,
            [new NpgsqlParameter { Value = (object?)cursor ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text }, limit + 1],
            async reader =>
            {
                var groups = new List<KeyValuePair<string, DesiredGroup>>();
                while (await reader.ReadAsync())
                {
                    groups.Add(new(reader.GetString(0), new DesiredGroup(reader.GetBoolean(1), reader.GetString(2))));
                }

                return groups.Count > limit
                    ? new DesiredPage(groups[..limit], groups[limit - 1].Key)
                    : new DesiredPage(groups, null);
            }, ct);

    // A write: one statement on a connection of its own for as long as it runs, so that PostgreSQL's warning that the
    // commit did not wait for its standby is seen for this statement and no other.
    private async Task<T> WriteAsync<T>(string sql, object[] args, Func<NpgsqlDataReader, Task<T>> read)
    {
        PostgresNotice? unreplicated = null;
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
            connection.Notice += (_, e) => unreplicated ??= SynchronousReplication.IsCancelledWait(e.Notice) ? e.Notice : null;
            var result = await ExecuteAsync(connection.CreateBatch(), sql, args, read, CancellationToken.None);
            if (unreplicated is not null)
            {
                throw new CoordinatorStoreException(
                    $"The coordinator's commit was not confirmed by a synchronous standby ({unreplicated.MessageText}): it may be lost at a failover, so its effect is unknown.");
            }

            return result;
        }
        catch (NpgsqlException e)
        {
            throw new CoordinatorStoreException($"The coordinator database failed a write, whose effect is unknown: {e.Message}", e);
        }
    }

    private async Task<T> ReadAsync<T>(string sql, object[] args, Func<NpgsqlDataReader, Task<T>> read, CancellationToken ct)
    {
        try
        {
            return await ExecuteAsync(dataSource.CreateBatch(), sql, args, read, ct);
        }
        catch (NpgsqlException e)
        {
            throw new CoordinatorStoreException($"The coordinator database failed a read: {e.Message}", e);
        }
    }

    // The statement after cg.check_timeline, in one batch: one round trip and one transaction (Npgsql runs a batch in an
    // implicit transaction, and an error skips the rest). A primary below the highest timeline seen refuses before the
    // statement runs; any other answers its timeline, which is remembered.
    private async Task<T> ExecuteAsync<T>(
        NpgsqlBatch batch, string sql, object[] args, Func<NpgsqlDataReader, Task<T>> read, CancellationToken ct)
    {
        await using (batch)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT cg.check_timeline($1)") { Parameters = { new() { Value = timeline.Highest } } });
            var statement = new NpgsqlBatchCommand(sql);
            foreach (var arg in args)
            {
                statement.Parameters.Add(arg as NpgsqlParameter ?? new NpgsqlParameter { Value = arg });
            }

            batch.BatchCommands.Add(statement);
            try
            {
                await using var reader = await batch.ExecuteReaderAsync(ct);
                if (await reader.ReadAsync(ct) && !reader.IsDBNull(0))
                {
                    timeline.Saw(reader.GetInt64(0));
                }

                await reader.NextResultAsync(ct);
                return await read(reader);
            }
            catch (PostgresException e) when (e.SqlState == PostgresTimeline.OlderTimeline)
            {
                throw new CoordinatorStoreException($"The coordinator database was refused: {e.MessageText}", e);
            }
        }
    }

    private static async Task<bool> ReadBoolAsync(NpgsqlDataReader reader) => await reader.ReadAsync() && reader.GetBoolean(0);

    private static async Task<OperationState?> ReadEntryAsync(NpgsqlDataReader reader) =>
        await reader.ReadAsync() && !reader.IsDBNull(0) ? JournalFormat.Read(reader.GetString(0)) : null;

    private static async Task<IReadOnlyList<OperationState>> ReadEntriesAsync(NpgsqlDataReader reader)
    {
        var entries = new List<OperationState>();
        while (await reader.ReadAsync())
        {
            if (JournalFormat.ReadOrSkipNewer(reader.GetString(0)) is { } op)
            {
                entries.Add(op);
            }
        }

        return entries;
    }

    private static void Written(OperationState op, bool written)
    {
        if (!written)
        {
            throw new CoordinatorFencedException(op.Id);
        }
    }

    // The key of an operation to begin, as the migration's keyed functions take it: scope, key, the request it names.
    private static object[] KeyArgs(OperationState? op) => op?.Key is { } key
        ? [Text(key.Scope), Text(key.Value), Text(new KeyedRequest(op.Id, op.Kind, op.GroupId).Write())]
        : [];

    private static int LeaseMs(TimeSpan duration) => (int)duration.TotalMilliseconds;

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    // Start times to the millisecond: the search's order and cursor are in milliseconds (OperationCursor).
    private static NpgsqlParameter Time(DateTimeOffset? value) => new()
    {
        Value = value is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v.ToUnixTimeMilliseconds()) : DBNull.Value,
        NpgsqlDbType = NpgsqlDbType.TimestampTz,
    };

    private static NpgsqlParameter Json(OperationState? op) =>
        new() { Value = op is null ? DBNull.Value : JournalFormat.Write(op), NpgsqlDbType = NpgsqlDbType.Jsonb };
}
