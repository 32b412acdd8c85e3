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
        writes.MapPost("/group/{groupId}/abort", AbortWrite).WithName("AbortWrite");
        writes.MapPost("/group/{groupId}/takeover", TakeOver).WithName("TakeOver");
        writes.MapPost("/groups/batch", GroupBatch.HandleAsync).WithName("WriteBatch");
        return app;
    }

    private static readonly string NodeVersion =
        typeof(GroupEndpoints).Assembly.GetName().Version?.ToString(3) ?? "1.0.0";

    public const int MaxPage = 10_000;

    // Without paging parameters, the seed's answer: every group at once. With cursor and/or limit, one page by the
    // store's cursor (GroupStore.PageAsync) and the cursor of the next ("next": null on the last page).
    private static async Task<Results<Ok<NodeGroupList>, Ok<NodeGroupPage>, ProblemHttpResult>> ListGroups(
        GroupStore store, IOptions<NodeOptions> node, string? cursor = null, int? limit = null)
    {
        var nodeId = node.Value.Name;
        if (cursor is null && limit is null)
        {
            var ids = await store.ListAsync();
            return TypedResults.Ok(new NodeGroupList(nodeId, [.. ids.Select(id => new NodeGroup(id, nodeId))]));
        }

        if (cursor is not null && !ulong.TryParse(cursor, System.Globalization.NumberStyles.None, null, out _))
        {
            return BadRequest("cursor is invalid: send back the \"next\" of the previous page, or 0 to start.");
        }

        if (limit is < 1 or > MaxPage)
        {
            return BadRequest($"limit must be 1-{MaxPage}.");
        }

        var (page, next) = await store.PageAsync(cursor ?? "0", limit ?? 1_000);
        return TypedResults.Ok(new NodeGroupPage(nodeId, [.. page.Select(id => new NodeGroup(id, nodeId))], next));
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
        HttpContext http, GroupStore store, IOptions<NodeOptions> node, WriteCounts counts, CancellationToken ct)
    {
        counts.Single();
        var (write, error) = await ReadWriteRequestAsync(http, ct);
        return await CreateAsync(http, store, node.Value.Name, write, error);
    }

    // The create itself, once its request is read: also each create item of a batch (GroupBatch), answered alike.
    internal static async Task<Results<Created<NodeGroup>, ProblemHttpResult>> CreateAsync(
        HttpContext http, GroupStore store, string nodeId, WriteRequest write, string? error)
    {
        if (error is not null)
        {
            return BadRequest(error);
        }

        var outcome = await store.CreateAsync(write.GroupId, write.Key, write.Token);
        if (Refusal(http, outcome) is { } refused)
        {
            return refused;
        }

        return outcome.Result is WriteResult.AlreadySo || outcome.First is WriteResult.AlreadySo
            ? TypedResults.Problem(NodeMessages.Exists, statusCode: StatusCodes.Status400BadRequest, title: "Bad request",
                extensions: new Dictionary<string, object?> { [NodeCodes.Property] = NodeCodes.Exists })
            : TypedResults.Created($"/v1/group/{write.GroupId}/", new NodeGroup(write.GroupId, nodeId));
    }

    private static async Task<Results<Ok<NodeGroup>, ProblemHttpResult>> DeleteGroup(
        HttpContext http, GroupStore store, IOptions<NodeOptions> node, WriteCounts counts, CancellationToken ct)
    {
        counts.Single();
        var (write, error) = await ReadWriteRequestAsync(http, ct);
        return await DeleteAsync(http, store, node.Value.Name, write, error);
    }

    internal static async Task<Results<Ok<NodeGroup>, ProblemHttpResult>> DeleteAsync(
        HttpContext http, GroupStore store, string nodeId, WriteRequest write, string? error)
    {
        if (error is not null)
        {
            return BadRequest(error);
        }

        var outcome = await store.DeleteAsync(write.GroupId, write.Key, write.Token);
        if (Refusal(http, outcome) is { } refused)
        {
            return refused;
        }

        return outcome.Result is WriteResult.AlreadySo || outcome.First is WriteResult.AlreadySo
            ? NotFound()
            : TypedResults.Ok(new NodeGroup(write.GroupId, nodeId));
    }

    // Closes the door on one write (its Idempotency-Key) for this group: the Api does this before it counts a write
    // whose answer it never got as "not applied", so a copy still on its way can never apply afterwards.
    private static async Task<Results<Ok<AbortAnswer>, ProblemHttpResult>> AbortWrite(
        string groupId, HttpContext http, GroupStore store, WriteCounts counts, CancellationToken ct)
    {
        counts.Single();
        await http.Request.Body.CopyToAsync(Stream.Null, ct);
        var (key, token, error) = ReadWriteHeaders(http);
        return await AbortAsync(http, store, groupId, key, token, error);
    }

    internal static async Task<Results<Ok<AbortAnswer>, ProblemHttpResult>> AbortAsync(
        HttpContext http, GroupStore store, string groupId, string? key, long? token, string? error)
    {
        if (!GroupId.IsValid(groupId))
        {
            error ??= $"groupId is invalid: {GroupId.Rule}.";
        }
        else if (key is null)
        {
            error ??= $"{NodeHeaders.IdempotencyKey} names the write to abort.";
        }

        if (error is not null)
        {
            return BadRequest(error);
        }

        var (outcome, write) = await store.AbortAsync(groupId, key!, token);
        if (outcome.Result is WriteResult.Fenced)
        {
            return Fenced(http, outcome);
        }

        return TypedResults.Ok(new AbortAnswer(groupId, key!, write, outcome.Result switch
        {
            WriteResult.Applied => AbortAnswer.Applied,
            WriteResult.AlreadySo => AbortAnswer.AlreadySo,
            _ => AbortAnswer.Aborted,
        }));
    }

    // A new owner of an operation fences the group here with its token before it learns where the operation stands:
    // every write of the earlier owner still on its way is refused from now on (docs/ARCHITECTURE.md, "Takeover").
    private static async Task<Results<Ok<TakeOverAnswer>, ProblemHttpResult>> TakeOver(
        string groupId, HttpContext http, GroupStore store, WriteCounts counts, CancellationToken ct)
    {
        counts.Single();
        await http.Request.Body.CopyToAsync(Stream.Null, ct);
        var (key, token, error) = ReadWriteHeaders(http);
        var undo = http.Request.Headers.TryGetValue(NodeHeaders.UndoKey, out var undoKeys) && undoKeys.Count == 1 ? undoKeys[0] : null;
        return await TakeOverAsync(http, store, groupId, key, undo, token, error);
    }

    internal static async Task<Results<Ok<TakeOverAnswer>, ProblemHttpResult>> TakeOverAsync(
        HttpContext http, GroupStore store, string groupId, string? key, string? undo, long? token, string? error)
    {
        if (!GroupId.IsValid(groupId))
        {
            error ??= $"groupId is invalid: {GroupId.Rule}.";
        }
        else if (key is null || token is null || !IdempotencyKeys.IsValid(undo))
        {
            error ??= $"{NodeHeaders.IdempotencyKey} (the apply key), {NodeHeaders.UndoKey} and {NodeHeaders.FencingToken} are all needed.";
        }

        if (error is not null)
        {
            return BadRequest(error);
        }

        var (state, seen) = await store.TakeOverAsync(groupId, key!, undo!, token!.Value);
        return state is null
            ? Fenced(http, new WriteOutcome(WriteResult.Fenced, SeenToken: seen))
            : TypedResults.Ok(new TakeOverAnswer(groupId, state.Present, state.WrittenBy, state.Apply, state.Undo));
    }

    private static async Task<Ok> DeleteAllGroups(GroupStore store)
    {
        await store.DeleteAllAsync();
        return TypedResults.Ok();
    }

    internal readonly record struct WriteRequest(string GroupId, string? Key, long? Token);

    private static async Task<(WriteRequest Write, string? Error)> ReadWriteRequestAsync(HttpContext http, CancellationToken ct)
    {
        var (groupId, bodyError) = await GroupRequestBody.ReadAsync(http.Request, ct);
        var (key, token, headerError) = ReadWriteHeaders(http);
        return (new WriteRequest(groupId ?? "", key, token), headerError ?? bodyError);
    }

    private static (string? Key, long? Token, string? Error) ReadWriteHeaders(HttpContext http)
    {
        string? key = null;
        if (http.Request.Headers.TryGetValue(NodeHeaders.IdempotencyKey, out var keys))
        {
            key = keys.Count == 1 ? keys[0] : null;
            if (KeyError(key) is { } error)
            {
                return (null, null, error);
            }
        }

        long? token = null;
        if (http.Request.Headers.TryGetValue(NodeHeaders.FencingToken, out var tokens))
        {
            if (tokens.Count != 1 || !long.TryParse(tokens[0], System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out var parsed) || TokenError(parsed) is not null)
            {
                return (key, null, TokenError(0));
            }

            token = parsed;
        }

        return (key, token, null);
    }

    // The rules of the two headers, for a batch item's key and token as well (the same words).
    internal static string? KeyError(string? key) =>
        IdempotencyKeys.IsValid(key) ? null : $"{NodeHeaders.IdempotencyKey} is invalid: {IdempotencyKeys.Rule}.";

    internal static string? TokenError(long token) =>
        token >= 1 ? null : $"{NodeHeaders.FencingToken} must be one whole number from 1.";

    // What a write answers whatever its kind: a refusal (fenced, aborted), else null; a replay is marked as one.
    private static ProblemHttpResult? Refusal(HttpContext http, WriteOutcome outcome)
    {
        switch (outcome.Result)
        {
            case WriteResult.Fenced:
                return Fenced(http, outcome);
            case WriteResult.Aborted:
                http.Response.Headers[NodeHeaders.WriteAborted] = "true";
                return TypedResults.Problem(NodeMessages.Aborted, statusCode: StatusCodes.Status409Conflict, title: "Aborted");
            case WriteResult.Replayed:
                http.Response.Headers[NodeHeaders.IdempotentReplay] = "true";
                return null;
            default:
                return null;
        }
    }

    private static ProblemHttpResult Fenced(HttpContext http, WriteOutcome outcome)
    {
        http.Response.Headers[NodeHeaders.Fenced] = outcome.SeenToken?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(NodeMessages.Fenced, statusCode: StatusCodes.Status409Conflict, title: "Fenced");
    }

    internal static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");

    private static ProblemHttpResult NotFound() =>
        TypedResults.Problem(NodeMessages.NotFound, statusCode: StatusCodes.Status404NotFound, title: "Not found");
}
