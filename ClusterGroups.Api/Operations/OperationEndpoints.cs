using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Model;
using System.Globalization;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Journal;
using ClusterGroups.Api.Security;
using ClusterGroups.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClusterGroups.Api.Operations;

public sealed record AbandonRequest(string? Reason);

public sealed record RetryAllResult(int Closed, int StillOpen);

public static class OperationEndpoints
{
    public static IEndpointRouteBuilder MapOperationsApi(this IEndpointRouteBuilder app)
    {
        var operations = app.MapGroup("/v1/operations").WithTags("Operations").RequireApiRole(app, ApiRoles.Read);
        // Acting on an operation is an operator's job: an admin key (Api:Keys roles).
        var actions = app.MapGroup("/v1/operations").WithTags("Operations").RequireAdmin(app);

        operations.MapGet("/{operationId}", Get)
            .WithName("GetOperation")
            .WithSummary("One operation's report: outcome, and per node what was done, every call, the rollback");

        operations.MapGet("/", List)
            .WithName("ListOperations")
            .WithSummary("Search operations, newest first: by group, state (open), outcome, start (since), caller, a page at a time")
            .WithDescription("groupId · state=open|all · outcome=Committed|AlreadySo|RolledBack|PendingRepair|Abandoned|Running · "
                             + "since=ISO 8601 time or an age (90s, 15m, 1h, 2d) · caller=the name of the key that asked (Api:Keys:<name>) · "
                             + "limit 1-1000 (100) · cursor=the answer's next");

        actions.MapPost("/{operationId}/retry", Retry)
            .WithName("RetryOperation")
            .WithSummary("Drive an open operation now (a pending repair's rollback, or one whose Api died), whatever its backoff");

        actions.MapPost("/{operationId}/abandon", Abandon)
            .WithName("AbandonOperation")
            .WithSummary("Give a pending repair up on purpose (reason required): no longer retried, stays listed; the nodes may differ until reconciled")
            .Accepts<AbandonRequest>("application/json");

        actions.MapPost("/retry", RetryAll)
            .WithName("RetryPendingRepairs")
            .WithSummary("Drive every open operation now (the dashboard's \"Retry pending repairs\")");

        return app;
    }

    private static async Task<Results<Ok<OperationReport>, ProblemHttpResult>> Get(
        string operationId, ICoordinator journal, CancellationToken ct) =>
        await journal.GetAsync(operationId, ct) is { } op
            ? TypedResults.Ok(OperationReports.From(op))
            : NotFound(operationId);

    private static async Task<Results<Ok<OperationList>, ProblemHttpResult>> List(
        ICoordinator journal, TimeProvider time, CancellationToken ct, string? groupId = null, string? state = null,
        string? outcome = null, string? since = null, int limit = 100, string? cursor = null, string? caller = null)
    {
        if (state is not (null or "open" or "all"))
        {
            return BadRequest("state must be 'open' or 'all'.");
        }

        if (limit is < 1 or > 1000)
        {
            return BadRequest("limit must be 1-1000.");
        }

        if (groupId is not null && !GroupId.IsValid(groupId))
        {
            return BadRequest($"groupId is invalid: {GroupId.Rule}.");
        }

        if (caller is not null && (caller.Length is 0 or > MaxCallerLength || caller.Any(char.IsControl)))
        {
            return BadRequest($"caller must be a key's name (1-{MaxCallerLength} characters, no control characters).");
        }

        Outcome? wanted = null;
        if (outcome is not null)
        {
            if (!Enum.TryParse<Outcome>(outcome, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(outcome, out _))
            {
                return BadRequest($"outcome must be one of {string.Join(", ", Enum.GetNames<Outcome>())}.");
            }

            wanted = parsed;
        }

        DateTimeOffset? from = null;
        if (since is not null)
        {
            if (ParseSince(since, time.GetUtcNow()) is not { } at)
            {
                return BadRequest("since must be an ISO 8601 time (2026-12-01T10:00:00Z) or an age (90s, 15m, 1h, 2d).");
            }

            from = at;
        }

        if (!OperationCursor.TryParse(cursor, out var after) && cursor is not null)
        {
            return BadRequest("cursor is not one this Api gave out (use the answer's 'next').");
        }

        var page = await journal.SearchAsync(new OperationQuery(groupId, state == "open", wanted, from, limit, after) { Caller = caller }, ct);
        return TypedResults.Ok(new OperationList([.. page.Operations.Select(OperationReports.From)], page.Next?.ToString()));
    }

    // Key names are configuration keys (Api:Keys:<name>): short; a longer one names no caller.
    private const int MaxCallerLength = 200;

    // The caller's disconnect must not stop a resume half-way: it runs on the application's lifetime token.
    private static async Task<Results<Ok<OperationReport>, ProblemHttpResult>> Retry(
        string operationId, HttpContext http, OperationActions actions, IHostApplicationLifetime lifetime) =>
        Answer(operationId, await actions.RetryAsync(operationId, http.User.Identity?.Name, lifetime.ApplicationStopping));

    private static async Task<Results<Ok<OperationReport>, ProblemHttpResult>> Abandon(
        string operationId, HttpContext http, OperationActions actions, IHostApplicationLifetime lifetime, CancellationToken ct)
    {
        AbandonRequest? body;
        try
        {
            body = await http.Request.ReadFromJsonAsync<AbandonRequest>(ct);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or BadHttpRequestException)
        {
            return BadRequest("The body must be JSON: {\"reason\": \"why it is given up\"}.");
        }

        if (body?.Reason is not { Length: > 0 and <= 500 } reason || string.IsNullOrWhiteSpace(reason))
        {
            return BadRequest("A reason (1-500 characters) is required: {\"reason\": \"why it is given up\"}.");
        }

        return Answer(operationId, await actions.AbandonAsync(operationId, http.User.Identity?.Name, reason.Trim(), lifetime.ApplicationStopping));
    }

    private static async Task<Ok<RetryAllResult>> RetryAll(Recovery recovery, ICoordinator journal, IHostApplicationLifetime lifetime)
    {
        var closed = await recovery.RunOnceAsync(lifetime.ApplicationStopping, now: true);
        return TypedResults.Ok(new RetryAllResult(closed, (await journal.ListOpenAsync(lifetime.ApplicationStopping)).Count));
    }

    private static Results<Ok<OperationReport>, ProblemHttpResult> Answer(string operationId, ActionResult result) => result.Status switch
    {
        ActionStatus.Done => TypedResults.Ok(OperationReports.From(result.Operation!)),
        ActionStatus.NotFound => NotFound(operationId),
        ActionStatus.Closed => Conflict($"'{operationId}' is already closed ({result.Operation?.Outcome}); nothing was done.", result.Operation),
        _ => Conflict($"'{operationId}' is being driven right now (its group's lease is taken); nothing was done. Send again.", result.Operation),
    };

    internal static DateTimeOffset? ParseSince(string since, DateTimeOffset now)
    {
        if (since.Length >= 2 && double.TryParse(since.AsSpan(0, since.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) && n >= 0)
        {
            TimeSpan? age = since[^1] switch
            {
                's' => TimeSpan.FromSeconds(n),
                'm' => TimeSpan.FromMinutes(n),
                'h' => TimeSpan.FromHours(n),
                'd' => TimeSpan.FromDays(n),
                _ => null,
            };
            if (age is { } a && a < TimeSpan.FromDays(3650))
            {
                return now - a;
            }
        }

        return DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
    }

    private static ProblemHttpResult NotFound(string operationId) =>
        TypedResults.Problem($"No operation '{operationId}' is known.", statusCode: StatusCodes.Status404NotFound, title: "Not found");

    private static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");

    private static ProblemHttpResult Conflict(string detail, OperationState? op) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict",
            extensions: op is null ? null : new Dictionary<string, object?> { ["operation"] = OperationReports.From(op) });
}
