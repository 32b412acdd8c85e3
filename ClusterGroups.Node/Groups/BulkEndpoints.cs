using System.Diagnostics;
using System.Globalization;
using ClusterGroups.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Node.Groups;

// POST /admin/groups/bulk (cluster key): fills this node's store fast, for tests and the benchmark — a million
// groups in seconds instead of a million operations. It bypasses the Api on purpose: what it writes is, to the Api,
// divergence no operation explains. The digest is kept exactly as by single writes (one script per batch).
public static class BulkEndpoints
{
    public const int MaxCount = 2_000_000;
    public const int MaxIds = 100_000;

    public static IEndpointRouteBuilder MapBulkAdmin(this IEndpointRouteBuilder app)
    {
        if (!ClusterKey.Required(app))
        {
            return app;
        }

        app.MapPost("/admin/groups/bulk", Load).WithTags("Admin").WithName("BulkLoad").RequireClusterKey(app);
        return app;
    }

    // 503 when the store fails mid-way (a timeout on a loaded machine): idempotent, so safe to send again.
    private static async Task<Results<Ok<BulkLoadResult>, ProblemHttpResult>> Load(
        BulkLoadRequest request, GroupStore store, IOptions<NodeOptions> node, CancellationToken ct)
    {
        if (Check(request) is { } error)
        {
            return TypedResults.Problem(error, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
        }

        IReadOnlyCollection<string> ids = request.GroupIds is { } given
            ? given
            : new Named(request.Prefix!, request.Count!.Value);
        var started = Stopwatch.GetTimestamp();
        int created;
        try
        {
            created = await store.BulkCreateAsync(ids, ct);
        }
        catch (Exception e) when (e is Storage.StoreUnavailableException or StackExchange.Redis.RedisException)
        {
            // Batches already written stay (each is whole): the same request again creates only what is missing.
            // (A timeout or a lost connection comes as StoreUnavailableException from IRedisStore.)
            return TypedResults.Problem($"The store failed mid-way ({e.GetType().Name}: {e.Message}); send the same request again.",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Store unavailable");
        }

        return TypedResults.Ok(new BulkLoadResult(node.Value.Name, ids.Count, created,
            Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1)));
    }

    private static string? Check(BulkLoadRequest request)
    {
        if (request.GroupIds is { } ids)
        {
            return request.Prefix is not null || request.Count is not null ? "Send either groupIds or prefix and count, not both."
                : ids.Count > MaxIds ? $"At most {MaxIds} groupIds per request."
                : ids.FirstOrDefault(id => !GroupId.IsValid(id)) is { } bad ? $"groupId '{bad}' is invalid: {GroupId.Rule}."
                : null;
        }

        return request.Prefix is null || request.Count is null ? "Send groupIds, or prefix and count."
            : request.Count is < 1 or > MaxCount ? $"count must be 1-{MaxCount}."
            : !GroupId.IsValid(request.Prefix + (request.Count - 1).Value.ToString(CultureInfo.InvariantCulture))
                ? $"prefix + number must be a valid groupId: {GroupId.Rule}."
            : null;
    }

    // {prefix}0 ... {prefix}{count-1}, made as they are written (a million ids are never all in memory at once).
    private sealed class Named(string prefix, int count) : IReadOnlyCollection<string>
    {
        public int Count => count;

        public IEnumerator<string> GetEnumerator()
        {
            for (var i = 0; i < count; i++)
            {
                yield return prefix + i.ToString(CultureInfo.InvariantCulture);
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
