using ClusterGroups.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ClusterGroups.Tests.Security;

// The per-caller rate limit, on an Api of its own (in-process) with two callers and a small budget.
[Collection(ClusterCollection.Name)]
public sealed class RateLimitTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_caller_over_its_rate_gets_429_with_retry_after_and_other_callers_are_unaffected()
    {
        await using var factory = new WebApplicationFactory<ClusterGroups.Api.FanOut.FanOutProtocol>().WithWebHostBuilder(web =>
        {
            web.UseSetting("Cluster:Key", cluster.ClusterKey);
            web.UseSetting("Cluster:Nodes:0", cluster.NodeUri("node1").ToString());
            web.UseSetting("Api:Keys:alice", "alice-key");
            web.UseSetting("Api:Keys:bob", "bob-key");
            web.UseSetting("Api:PermitsPerSecond", "1");
            web.UseSetting("Api:Burst", "3");
        });
        var alice = factory.CreateClient();
        alice.DefaultRequestHeaders.Add(SecurityHeaders.ApiKey, "alice-key");
        var bob = factory.CreateClient();
        bob.DefaultRequestHeaders.Add(SecurityHeaders.ApiKey, "bob-key");

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 10; i++)
        {
            answers.Add(await alice.GetAsync("/v1/operations").WaitAsync(Wait.Request));
        }

        var limited = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.All(limited, a => Assert.NotNull(a.Headers.RetryAfter));
        Assert.Equal("application/problem+json", limited[0].Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync("/v1/operations").WaitAsync(Wait.Request)).StatusCode);
    }
}
