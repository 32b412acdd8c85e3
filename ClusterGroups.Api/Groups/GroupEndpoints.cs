using ClusterGroups.Api.Cluster;
using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Contracts;
using ClusterGroups.Web.Http;
using ClusterGroups.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClusterGroups.Api.Groups;

// The cluster-wide groups API: the seed's node contract, answered for the whole cluster.
public static class GroupEndpoints
{
    public static IEndpointRouteBuilder MapGroupsApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").WithTags("Groups").RequireApiRole(app, ApiRoles.Write).RequireRateLimiting(ApiSecurity.OperationsLimit);
        var reads = app.MapGroup("/v1").WithTags("Groups").RequireApiRole(app, ApiRoles.Read);

        v1.MapPost("/group", Create)
            .WithName("CreateGroup")
            .WithSummary("Create a group on every node, or on none")
            .WithDescription("201 committed · 409 already on every node · 503 failed and rolled back (send again) · "
                             + "202 failed, rollback pending (follow Location) · 400 bad input, no node touched. "
                             + WriteHeadersDescription)
            .Accepts<GroupRequest>("application/json")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        v1.MapDelete("/group", DeleteFromBody)
            .WithName("DeleteGroup")
            .WithSummary("Delete a group from every node, or from none (body {\"groupId\"}, as the seed's nodes take it)")
            .WithDescription("200 committed · 404 on no node · 503 failed and rolled back · 202 rollback pending · 400 bad input. "
                             + WriteHeadersDescription)
            .Accepts<GroupRequest>("application/json")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        v1.MapDelete("/group/{groupId}", DeleteFromPath)
            .WithName("DeleteGroupById")
            .WithSummary("Delete a group from every node, or from none")
            .WithDescription("200 committed · 404 on no node · 503 failed and rolled back · 202 rollback pending · 400 bad input. "
                             + WriteHeadersDescription)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        // Several writes in one request (a client's group commit): each write takes its own permits (BatchWrites).
        app.MapGroup("/v1").WithTags("Groups").RequireApiRole(app, ApiRoles.Write)
            .MapPost("/batch", BatchWrites.RunAsync)
            .WithName("WriteBatch")
            .WithSummary("Several creates and deletes, each run as its own operation and answered as its single request would be")
            .WithDescription("200 with one answer per write, in order: {status, headers (Location, Retry-After), body}; "
                             + "with Accept: application/x-ndjson, one line per write as soon as it ends, with its index in the request. "
                             + "400 when the body cannot be read whole or holds no writes or too many; nothing done then.")
            .Accepts<BatchRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        reads.MapGet("/group/{groupId}", Get)
            .WithName("GetGroup")
            .WithSummary("A group and, per node, whether it is there");

        reads.MapGet("/groups", List)
            .WithName("ListGroups")
            .WithSummary("The groups the cluster knows, a page at a time (cursor, limit), with the nodes where each is missing");

        return app;
    }

    private static async Task<Results<Created<OperationReport>, Ok<OperationReport>, Accepted<OperationReport>, ProblemHttpResult>> Create(
        HttpContext http, FanOutProtocol protocol, IHostApplicationLifetime lifetime, CancellationToken ct)
    {
        var (groupId, error) = await GroupRequestBody.ReadAsync(http.Request, ct);
        return error is not null
            ? BadRequest(error)
            : await RunAsync(OperationKind.Create, groupId!, http, protocol, lifetime);
    }

    private static async Task<Results<Created<OperationReport>, Ok<OperationReport>, Accepted<OperationReport>, ProblemHttpResult>> DeleteFromBody(
        HttpContext http, FanOutProtocol protocol, IHostApplicationLifetime lifetime, CancellationToken ct)
    {
        var (groupId, error) = await GroupRequestBody.ReadAsync(http.Request, ct);
        return error is not null
            ? BadRequest(error)
            : await RunAsync(OperationKind.Delete, groupId!, http, protocol, lifetime);
    }

    private static async Task<Results<Created<OperationReport>, Ok<OperationReport>, Accepted<OperationReport>, ProblemHttpResult>> DeleteFromPath(
        string groupId, HttpContext http, FanOutProtocol protocol, IHostApplicationLifetime lifetime) =>
        GroupId.IsValid(groupId)
            ? await RunAsync(OperationKind.Delete, groupId, http, protocol, lifetime)
            : BadRequest($"groupId is invalid: {GroupId.Rule}.");

    private const string WriteHeadersDescription =
        "Idempotency-Key: a retry with the same key gets the first request's operation (its answer as it stands; 409 with "
        + "its operationId while it runs; 422 if the key was sent with another request). Request-Deadline (RFC 3339, UTC): "
        + "504, nothing done, if it passed before the operation could start.";

    private static async Task<Results<Ok<GroupView>, ProblemHttpResult>> Get(string groupId, ClusterScan scan, CancellationToken ct)
    {
        if (!GroupId.IsValid(groupId))
        {
            return BadRequest($"groupId is invalid: {GroupId.Rule}.");
        }

        var view = await scan.ReadGroupAsync(groupId, ct);
        return view.PresentOn.Count > 0
            ? TypedResults.Ok(view)
            : TypedResults.Problem($"'{groupId}' is on no reachable node.", statusCode: StatusCodes.Status404NotFound,
                title: "Not found", extensions: new Dictionary<string, object?> { ["group"] = view });
    }

    // Pages by bucket (see ClusterScan.ListGroupsAsync): send "next" back as cursor until it is null.
    private static async Task<Results<Ok<GroupListView>, ProblemHttpResult>> List(
        ClusterScan scan, CancellationToken ct, string? cursor = null, int? limit = null)
    {
        var bucket = 0;
        if (cursor is not null && (!int.TryParse(cursor, System.Globalization.NumberStyles.None, null, out bucket) || bucket >= GroupBuckets.Count))
        {
            return BadRequest("cursor is invalid: send back the \"next\" of the previous page.");
        }

        if (limit is < 1 or > ClusterScan.MaxPageSize)
        {
            return BadRequest($"limit must be 1-{ClusterScan.MaxPageSize}.");
        }

        return TypedResults.Ok(await scan.ListGroupsAsync(bucket, limit ?? ClusterScan.DefaultPageSize, ct));
    }

    // The caller's disconnect must not stop an operation half-way: it runs on the application's lifetime token.
    private static async Task<Results<Created<OperationReport>, Ok<OperationReport>, Accepted<OperationReport>, ProblemHttpResult>> RunAsync(
        OperationKind kind, string groupId, HttpContext http, FanOutProtocol protocol, IHostApplicationLifetime lifetime)
    {
        var (headers, error) = WriteHeaders.Read(http.Request);
        return error is not null
            ? BadRequest(error)
            : await RunAsync(kind, groupId, headers!, http, protocol, lifetime);
    }

    // A valid write with its headers, from its own request or from a batch (BatchWrites).
    internal static async Task<Results<Created<OperationReport>, Ok<OperationReport>, Accepted<OperationReport>, ProblemHttpResult>> RunAsync(
        OperationKind kind, string groupId, WriteHeaders headers, HttpContext http, FanOutProtocol protocol, IHostApplicationLifetime lifetime)
    {
        // Audit: the operation records which caller key asked for it (null when the Api has no keys); its
        // Idempotency-Key is scoped to that name, so one caller never reaches another's operations by a key.
        var caller = http.User.Identity?.Name;
        var key = headers.IdempotencyKey is { } value ? RequestKey.For(caller, value) : null;
        var time = http.RequestServices.GetRequiredService<TimeProvider>();
        // Past its deadline already: refused here, unless it has a key (an earlier try may have begun it; the key's
        // record decides, in the coordinator: Coordination.PastDeadlineAsync).
        var result = headers.Deadline is { } deadline && time.GetUtcNow() >= deadline && key is null
            ? FanOutResult.Refused(new StartRefusal.PastDeadline())
            : await protocol.RunAsync(kind, groupId, lifetime.ApplicationStopping, caller: caller, key: key, deadline: headers.Deadline);
        return result switch
        {
            { Operation: not null } => OperationResults.From(result, http),
            { NotStarted: { } refusal } => await NotStartedResults.FromAsync(refusal, kind, groupId, http,
                http.RequestServices.GetRequiredService<ICoordinator>()),
            _ => OperationResults.Busy(http, result.Refusal!),
        };
    }

    internal static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
}
