using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClusterGroups.Api.Security;

// GET /v1/caller: the key's name and roles, so that a tool (the operations console) offers only the actions the key
// may take, instead of offering them all and answering 403.
public static class CallerEndpoints
{
    public static IEndpointRouteBuilder MapCallerApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1").WithTags("Security").RequireApiRole(app, ApiRoles.Read)
            .MapGet("/caller", Get)
            .WithName("Caller")
            .WithSummary("Who this key is: its name and its roles (read, write, admin)");
        return app;
    }

    private static Ok<CallerView> Get(HttpContext http, IConfiguration configuration)
    {
        if (http.User.Identity?.IsAuthenticated == true)
        {
            return TypedResults.Ok(new CallerView(http.User.FindFirstValue(ClaimTypes.Name), [.. ApiRoles.All.Where(http.User.IsInRole)]));
        }

        // No key sent: without Api:Keys everything is open; with them, only Api:OpenReads lets a request this far.
        return TypedResults.Ok(new CallerView(null, ApiKeys.Read(configuration).Keys.Count == 0 ? ApiRoles.All : [ApiRoles.Read]));
    }
}
