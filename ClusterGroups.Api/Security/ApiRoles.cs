using Microsoft.AspNetCore.Authorization;

namespace ClusterGroups.Api.Security;

// What a caller key may do. Roles are hierarchical: an admin key can also write and read, a write key also read.
//   read  — every GET, and POST /v1/cluster/reconcile?policy=report (it only lists);
//   write — create and delete groups;
//   admin — what can destroy or override: reconcile with a destructive policy, operator actions (retry, abandon).
public static class ApiRoles
{
    public const string Read = "read";
    public const string Write = "write";
    public const string Admin = "admin";

    // Reconcile: read for policy=report (or none), admin for anything else (presence-wins, absence-wins, majority,
    // and any policy added later: unknown means destructive until proven otherwise).
    public const string ReconcilePolicy = "reconcile";

    public static readonly IReadOnlyList<string> All = [Read, Write, Admin];

    public static bool IsKnown(string? role) => role is Read or Write or Admin;

    /// <summary>The roles a key of <paramref name="role"/> holds (its own and every lower one).</summary>
    public static IReadOnlyList<string> Implied(string role) => role switch
    {
        Admin => [Read, Write, Admin],
        Write => [Read, Write],
        Read => [Read],
        _ => [],
    };

    /// <summary>The role POST /v1/cluster/reconcile needs for this policy.</summary>
    public static string ForReconcile(string? policy) => policy is null or "report" ? Read : Admin;

    public static AuthorizationBuilder AddApiRolePolicies(this AuthorizationBuilder authorization)
    {
        foreach (var role in All)
        {
            authorization.AddPolicy(role, p => p.AddRequirements(new ApiRoleRequirement(role)));
        }

        return authorization.AddPolicy(ReconcilePolicy, p => p.AddRequirements(new ApiRoleRequirement(null)));
    }
}

// Role = null: the role depends on the request (ApiRoles.ForReconcile of its ?policy=).
public sealed record ApiRoleRequirement(string? Role) : IAuthorizationRequirement;

// Succeeds when the key holds the role; otherwise fails with a reason the 403 answer repeats (ForbiddenAsProblem).
public sealed class ApiRoleHandler : AuthorizationHandler<ApiRoleRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiRoleRequirement requirement)
    {
        var policy = context.Resource is HttpContext http && http.Request.Query["policy"].ToString() is { Length: > 0 } p ? p : null;
        var role = requirement.Role ?? ApiRoles.ForReconcile(policy);
        if (context.User.Identity?.IsAuthenticated != true)
        {
            return Task.CompletedTask; // no key: the challenge answers 401
        }

        if (context.User.IsInRole(role))
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, role));
        }

        return Task.CompletedTask;
    }
}
