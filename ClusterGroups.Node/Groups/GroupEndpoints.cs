using ClusterGroups.Contracts;
using ClusterGroups.Web.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Node.Groups;

// The seed's node contract (docs/ARCHITECTURE.md, "Node HTTP contract"), route by route. ASP.NET Core routing matches
// with and without the trailing slash, so "/v1/group" and "/v1/group/" are the same endpoint.
public static class GroupEndpoints
{
    public static IEndpointRouteBuilder MapNodeInfo(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (IOptions<NodeOptions> node) =>
                TypedResults.Ok(new NodeInfo("ClusterGroups.Node", NodeVersion, node.Value.Name)))
            .WithName("NodeInfo");
        return app;
    }

    public static IEndpointRouteBuilder MapGroupsApi(this IEndpointRouteBuilder app)
    {
        var reads = app.MapGroup("/v1");
        reads.MapGet("/groups", ListGroups).WithName("ListGroups");
        reads.MapGet("/group/{groupId}", GetGroup).WithName("GetGroup");

        var writes = app.MapGroup("/v1").RequireClusterKey(app);
        writes.MapPost("/group", CreateGroup).WithName("CreateGroup");
        writes.MapDelete("/group", DeleteGroup).WithName("DeleteGroup");
        writes.MapDelete("/groups", DeleteAllGroups).WithName("DeleteAllGroups");
        return app;
    }

    private static readonly string NodeVersion =
        typeof(GroupEndpoints).Assembly.GetName().Version?.ToString(3) ?? "1.0.0";

    private static async Task<Ok<NodeGroupList>> ListGroups(GroupStore store, IOptions<NodeOptions> node)
    {
        var ids = await store.ListAsync();
        var nodeId = node.Value.Name;
        return TypedResults.Ok(new NodeGroupList(nodeId, [.. ids.Select(id => new NodeGroup(id, nodeId))]));
    }

    // Besides the seed's answer, tells which Idempotency-Key created (or deleted) the group: that lets the Api
    // resolve a write whose answer was lost by reading, and tell its own write from an earlier one.
    private static async Task<Results<Ok<NodeGroup>, ProblemHttpResult>> GetGroup(
        string groupId, HttpContext http, GroupStore store, IOptions<NodeOptions> node)
    {
        if (!GroupId.IsValid(groupId))
        {
            return BadRequest($"groupId is invalid: {GroupId.Rule}.");
        }

        var (present, createdBy, deletedBy) = await store.ReadAsync(groupId);
        if (!string.IsNullOrEmpty(present ? createdBy : deletedBy))
        {
            http.Response.Headers[present ? NodeHeaders.CreatedBy : NodeHeaders.DeletedBy] = present ? createdBy : deletedBy;
        }

        return present ? TypedResults.Ok(new NodeGroup(groupId, node.Value.Name)) : NotFound();
    }

    private static async Task<Results<Created<NodeGroup>, ProblemHttpResult>> CreateGroup(
        HttpContext http, GroupStore store, IOptions<NodeOptions> node, CancellationToken ct)
    {
        var (groupId, key, error) = await ReadWriteRequestAsync(http, ct);
        if (error is not null)
        {
            return BadRequest(error);
        }

        var result = await store.CreateAsync(groupId!, key);
        MarkReplay(http, result);
        return result is WriteResult.AlreadySo
            ? BadRequest(NodeMessages.Exists)
            : TypedResults.Created($"/v1/group/{groupId}/", new NodeGroup(groupId!, node.Value.Name));
    }

    private static async Task<Results<Ok<NodeGroup>, ProblemHttpResult>> DeleteGroup(
        HttpContext http, GroupStore store, IOptions<NodeOptions> node, CancellationToken ct)
    {
        var (groupId, key, error) = await ReadWriteRequestAsync(http, ct);
        if (error is not null)
        {
            return BadRequest(error);
        }

        var result = await store.DeleteAsync(groupId!, key);
        MarkReplay(http, result);
        return result is WriteResult.AlreadySo
            ? NotFound()
            : TypedResults.Ok(new NodeGroup(groupId!, node.Value.Name));
    }

    private static async Task<Ok> DeleteAllGroups(GroupStore store)
    {
        await store.DeleteAllAsync();
        return TypedResults.Ok();
    }

    private static async Task<(string? GroupId, string? Key, string? Error)> ReadWriteRequestAsync(
        HttpContext http, CancellationToken ct)
    {
        string? key = null;
        if (http.Request.Headers.TryGetValue(NodeHeaders.IdempotencyKey, out var keys))
        {
            key = keys.Count == 1 ? keys[0] : null;
            if (!IdempotencyKeys.IsValid(key))
            {
                return (null, null, $"{NodeHeaders.IdempotencyKey} is invalid: {IdempotencyKeys.Rule}.");
            }
        }

        var (groupId, error) = await GroupRequestBody.ReadAsync(http.Request, ct);
        return (groupId, key, error);
    }

    private static void MarkReplay(HttpContext http, WriteResult result)
    {
        if (result is WriteResult.Replayed)
        {
            http.Response.Headers[NodeHeaders.IdempotentReplay] = "true";
        }
    }

    private static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");

    private static ProblemHttpResult NotFound() =>
        TypedResults.Problem(NodeMessages.NotFound, statusCode: StatusCodes.Status404NotFound, title: "Not found");
}
