using System.Security.Claims;
using ClusterGroups.Api.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterGroups.UnitTests.Security;

// The role policies as ASP.NET evaluates them: hierarchical roles, and reconcile's role chosen by its ?policy=.
public sealed class ApiRolesTests
{
    private static readonly IAuthorizationService Authorization = new ServiceCollection()
        .AddLogging()
        .AddSingleton<IAuthorizationHandler, ApiRoleHandler>()
        .AddAuthorizationBuilder().AddApiRolePolicies().Services
        .BuildServiceProvider()
        .GetRequiredService<IAuthorizationService>();

    [Theory]
    [InlineData("read", "read", true)]
    [InlineData("read", "write", false)]
    [InlineData("read", "admin", false)]
    [InlineData("write", "read", true)]
    [InlineData("write", "write", true)]
    [InlineData("write", "admin", false)]
    [InlineData("admin", "read", true)]
    [InlineData("admin", "write", true)]
    [InlineData("admin", "admin", true)]
    public async Task Roles_are_hierarchical(string keyRole, string policy, bool allowed) =>
        Assert.Equal(allowed, (await Authorization.AuthorizeAsync(Key(keyRole), new DefaultHttpContext(), policy)).Succeeded);

    [Theory]
    [InlineData(null, "read")]
    [InlineData("report", "read")]
    [InlineData("presence-wins", "admin")]
    [InlineData("absence-wins", "admin")]
    [InlineData("majority", "admin")]
    [InlineData("some-future-policy", "admin")]
    public async Task Reconcile_needs_admin_for_every_policy_but_report(string? policy, string needed)
    {
        var http = new DefaultHttpContext();
        if (policy is not null)
        {
            http.Request.QueryString = new QueryString($"?policy={policy}");
        }

        string[] allowed = needed == "read" ? ["read", "write", "admin"] : ["admin"];
        foreach (var role in new[] { "read", "write", "admin" })
        {
            var result = await Authorization.AuthorizeAsync(Key(role), http, ApiRoles.ReconcilePolicy);
            Assert.Equal(allowed.Contains(role), result.Succeeded);
            if (!result.Succeeded)
            {
                Assert.Equal(needed, Assert.Single(result.Failure!.FailureReasons).Message);
            }
        }
    }

    private static ClaimsPrincipal Key(string role) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.Name, $"{role}-key"), .. ApiRoles.Implied(role).Select(r => new Claim(ClaimTypes.Role, r))], "ApiKey"));
}
