using System.Text.Json.Nodes;
using ClusterGroups.Tests.Infrastructure;
using StackExchange.Redis;

namespace ClusterGroups.Tests.Coordinator;

// The Api proposes the fencing token its one-script start takes the lease with (the clock in µs). A group whose
// token is already above that clock (another replica's clock ran ahead, or the hash was raised by hand) must still
// get a higher one: the script refuses the proposal and names the token it has, and the next try goes above it.
[Collection(ClusterCollection.Name)]
public sealed class FencingTokenTests(ClusterFixture cluster) : IAsyncLifetime
{
    public Task InitializeAsync() => cluster.MakeStableAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_group_whose_token_is_ahead_of_the_clock_is_begun_with_a_higher_token()
    {
        var id = $"ahead-{Guid.NewGuid():N}"[..20];
        using var coordinator = await cluster.ConnectCoordinatorAsync();
        var db = coordinator.GetDatabase();
        // An hour ahead of this machine's clock, in µs since 1970.
        var ahead = (DateTimeOffset.UtcNow.AddHours(1) - DateTimeOffset.UnixEpoch).Ticks / 10;
        await db.HashSetAsync("cg:fences", id, ahead).WaitAsync(Wait.Request);

        var response = await cluster.Api().PostGroupAsync(id);
        var body = await response.JsonAsync();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        var entry = JsonNode.Parse((string)(await db.StringGetAsync($"cg:op:{body["operationId"]!.GetValue<string>()}").WaitAsync(Wait.Request))!)!;
        var fence = entry["fence"]!.GetValue<long>();
        Assert.True(fence > ahead, $"begun with token {fence}, not above {ahead}");
        Assert.Equal(fence, (long)await db.HashGetAsync("cg:fences", id).WaitAsync(Wait.Request));
        Assert.Equal(cluster.NodeCount, (await cluster.WhereAsync(id)).Length);
    }
}
