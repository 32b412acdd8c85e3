using ClusterGroups.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Node.Groups;

// Anti-entropy reads (GroupBuckets): the digest costs O(buckets) whatever the number of groups, one bucket's ids
// O(that bucket). The Api compares digests and lists only the buckets that differ. A digest that does not cover the
// groups the store holds is never served as if it did: 409 with the numbers, and the Api lists the node instead.
public static class DigestEndpoints
{
    public static IEndpointRouteBuilder MapDigestApi(this IEndpointRouteBuilder app)
    {
        var reads = app.MapGroup("/v1/digest");
        reads.MapGet("/", Digest).WithName("Digest");
        reads.MapGet("/{bucket}", Bucket).WithName("DigestBucket");

        // The rebuild, like the other admin routes, exists only on a node with a cluster key.
        if (ClusterKey.Required(app))
        {
            app.MapPost("/admin/digest/rebuild", Rebuild).WithTags("Admin").WithName("RebuildDigest").RequireClusterKey(app);
        }

        return app;
    }

    private static async Task<Results<Ok<NodeDigest>, ProblemHttpResult>> Digest(GroupStore store, IOptions<NodeOptions> node)
    {
        var state = await store.DigestAsync();
        if (!state.Trusted)
        {
            return TypedResults.Problem(
                state.Rebuilding
                    ? $"The digest is being rebuilt (or a rebuild stopped mid-way); the store holds {state.Groups} groups. List the groups instead, or POST /admin/digest/rebuild."
                    : $"The digest counts {state.Total} groups but the store holds {state.Groups}: groups were written without this node (a restore, a migration, data from before digests). List the groups instead; POST /admin/digest/rebuild recomputes it.",
                statusCode: StatusCodes.Status409Conflict, title: "Digest stale",
                extensions: new Dictionary<string, object?>
                {
                    ["stale"] = true,
                    ["groups"] = state.Groups,
                    ["digestTotal"] = state.Total,
                    ["rebuilding"] = state.Rebuilding,
                });
        }

        return TypedResults.Ok(new NodeDigest(node.Value.Name, GroupBuckets.Count, state.Total, state.Counts, state.Hashes));
    }

    private static async Task<Results<Ok<NodeBucket>, ProblemHttpResult>> Bucket(
        string bucket, GroupStore store, IOptions<NodeOptions> node)
    {
        if (!int.TryParse(bucket, System.Globalization.NumberStyles.None, null, out var b) || b >= GroupBuckets.Count)
        {
            return TypedResults.Problem($"bucket must be 0-{GroupBuckets.Count - 1}.",
                statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
        }

        return TypedResults.Ok(new NodeBucket(node.Value.Name, b, await store.BucketAsync(b)));
    }

    // Waits for the rebuild (a second request joins the running one); the rebuild goes on if the caller hangs up.
    private static async Task<Results<Ok<DigestRebuildResult>, ProblemHttpResult>> Rebuild(DigestRebuild rebuild, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(await rebuild.RunAsync().WaitAsync(ct));
        }
        catch (Exception e) when (e is Storage.StoreUnavailableException or StackExchange.Redis.RedisException or InvalidOperationException)
        {
            return TypedResults.Problem($"The rebuild stopped mid-way ({e.Message}); the digest stays untrusted. Send the same request again.",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Rebuild incomplete");
        }
    }
}
