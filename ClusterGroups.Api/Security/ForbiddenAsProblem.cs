using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace ClusterGroups.Api.Security;

// A valid key without the role gets a 403 problem+json that names the role it lacks (the default is an empty 403).
public sealed class ForbiddenAsProblem(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Forbidden)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

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
