using System.Net;
using ClusterGroups.Node.Network;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace ClusterGroups.UnitTests.Nodes;

// Node:NetworkDelay, the benchmark's stand-in for a network's round trip: a request on /v1 is served only once the
// node's clock has moved by the delay; nothing else waits. The clock is a FakeTimeProvider the test moves in steps.
public sealed class NetworkDelayTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(10);

    [Fact]
    public async Task A_request_on_v1_is_served_only_after_the_delay_on_the_nodes_clock()
    {
        var time = new FakeTimeProvider();
        await using var app = await StartAsync(time, Delay);
        using var client = app.GetTestClient();

        var (status, moved) = await SendMovingTimeAsync(client, time, "/v1/ping");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(moved >= Delay, $"served after the clock moved {moved}, less than the delay {Delay}");
    }

    [Fact]
    public async Task Requests_outside_v1_and_a_node_without_a_delay_are_not_held()
    {
        var time = new FakeTimeProvider();
        await using var delayed = await StartAsync(time, Delay);
        using var client = delayed.GetTestClient();
        Assert.Equal(HttpStatusCode.OK, await SendWithTheClockStillAsync(client, "/health"));

        await using var plain = await StartAsync(time, TimeSpan.Zero);
        using var plainClient = plain.GetTestClient();
        Assert.Equal(HttpStatusCode.OK, await SendWithTheClockStillAsync(plainClient, "/v1/ping"));
    }

    // The clock does not move: a held request is never answered, and the bounded wait fails (a request not held is
    // answered however long a loaded machine takes to serve it).
    private static async Task<HttpStatusCode> SendWithTheClockStillAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path).WaitAsync(TimeSpan.FromSeconds(30));
        return response.StatusCode;
    }

    // Sends the request, then moves the clock a step at a time until it is answered; returns how far it moved.
    private static async Task<(HttpStatusCode Status, TimeSpan Moved)> SendMovingTimeAsync(HttpClient client, FakeTimeProvider time, string path)
    {
        var sending = client.GetAsync(path);
        var moved = TimeSpan.Zero;
        while (!sending.IsCompleted)
        {
            try
            {
                await sending.WaitAsync(TimeSpan.FromMilliseconds(20));
            }
            catch (TimeoutException)
            {
                Assert.True(moved < Delay * 10, $"not answered after the clock moved {moved}");
                time.Advance(Step);
                moved += Step;
            }
        }

        using var response = await sending;
        return (response.StatusCode, moved);
    }

    private static async Task<WebApplication> StartAsync(TimeProvider time, TimeSpan delay)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Services.AddSingleton(time);
        builder.Services.Configure<NetworkDelayOptions>(o => o.NetworkDelay = delay);
        var app = builder.Build();
        app.UseMiddleware<NetworkDelayMiddleware>();
        app.MapGet("/v1/ping", () => Results.Ok());
        app.MapGet("/health", () => Results.Ok());
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return app;
    }
}
