using ClusterGroups.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Node.Groups;

// Anti-entropy reads (GroupBuckets): the digest costs O(buckets) whatever the number of groups, one bucket's ids
// O(that bucket). The Api compares digests and lists only the buckets that differ.
public static class DigestEndpoints
{
    public static IEndpointRouteBuilder MapDigestApi(this IEndpointRouteBuilder app)
    {
        var reads = app.MapGroup("/v1/digest");
        reads.MapGet("/", Digest).WithName("Digest");
        reads.MapGet("/{bucket}", Bucket).WithName("DigestBucket");
        return app;
    }

    private static async Task<Ok<NodeDigest>> Digest(GroupStore store, IOptions<NodeOptions> node)
    {
        var (counts, hashes) = await store.DigestAsync();
        return TypedResults.Ok(new NodeDigest(node.Value.Name, GroupBuckets.Count, counts.Sum(c => (long)c), counts, hashes));
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
}
