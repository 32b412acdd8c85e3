using System.Security.Claims;
using System.Text.Json.Nodes;
using ClusterGroups.Api.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ClusterGroups.UnitTests.Security;

// The authorization result handler: a permitted request is handed on with no frame of ours around the rest of the
// pipeline (the task it runs on is the endpoint's own), a key without the role gets a 403 problem naming the role.
// RoleTests checks the 403s on the running Api.
public sealed class ForbiddenAsProblemTests
{
    private static readonly IServiceProvider Services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
    private static readonly AuthorizationPolicy Policy = new AuthorizationPolicyBuilder().RequireAssertion(_ => true).Build();

    [Fact]
    public async Task A_permitted_request_runs_on_the_endpoints_own_task()
    {
        var handler = new ForbiddenAsProblem(Services.GetRequiredService<IProblemDetailsService>());
        var endpoint = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var handled = handler.HandleAsync(_ => endpoint.Task, new DefaultHttpContext(), Policy, PolicyAuthorizationResult.Success());

        // An async frame around the endpoint would be a task of its own, pending as long as the request.
        Assert.Same(endpoint.Task, handled);
        endpoint.SetResult();
        await handled.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_key_without_the_role_gets_a_403_problem_that_names_it_and_the_endpoint_does_not_run()
    {
        var handler = new ForbiddenAsProblem(Services.GetRequiredService<IProblemDetailsService>());
        var http = new DefaultHttpContext { RequestServices = Services };
        http.Response.Body = new MemoryStream();
        http.User = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "reader"), new Claim(ClaimTypes.Role, ApiRoles.Read)], "key"));
        var failure = AuthorizationFailure.Failed([new AuthorizationFailureReason(new ApiRoleHandler(), ApiRoles.Write)]);
        var ran = false;

        await handler.HandleAsync(_ => { ran = true; return Task.CompletedTask; }, http, Policy, PolicyAuthorizationResult.Forbid(failure))
            .WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(ran);
        Assert.Equal(StatusCodes.Status403Forbidden, http.Response.StatusCode);
        http.Response.Body.Position = 0;
        var body = JsonNode.Parse(http.Response.Body)!;
        Assert.Equal(
            $"This needs a key with the {ApiRoles.Write} role; the key 'reader' has {ApiRoles.Read} role. Nothing was done.",
            body["detail"]!.GetValue<string>());
    }
}
