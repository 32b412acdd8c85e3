using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace ClusterGroups.Api.Security;

// A valid key without the role gets a 403 problem+json that names the role it lacks (the default is an empty 403).
// Every other request is handed on as the default handler does, without an async frame of ours around the rest of the
// pipeline: one awaited here stayed suspended for the whole request, a state machine per request (2 % of what the Api
// allocated at c=64, issue 27).
public sealed class ForbiddenAsProblem(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult) =>
        authorizeResult.Forbidden ? ForbiddenAsync(context, authorizeResult) : _default.HandleAsync(next, context, policy, authorizeResult);

    private async Task ForbiddenAsync(HttpContext context, PolicyAuthorizationResult authorizeResult)
    {
        var needed = authorizeResult.AuthorizationFailure?.FailureReasons
            .Where(r => r.Handler is ApiRoleHandler).Select(r => r.Message).FirstOrDefault();
        var name = context.User.FindFirstValue(ClaimTypes.Name);
        // A key's role claims run from the lowest to its own (ApiRoles.Implied): the last is its role.
        var held = context.User.FindAll(ClaimTypes.Role).Select(c => c.Value).LastOrDefault();
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Forbidden",
                Detail = needed is null
                    ? $"The key '{name}' may not do this; nothing was done."
                    : $"This needs a key with the {needed} role; the key '{name}' has {held ?? "no"} role. Nothing was done.",
            },
        });
    }
}
