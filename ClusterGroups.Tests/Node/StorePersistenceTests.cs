using System.Net.Sockets;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Node;

[Collection(ClusterCollection.Name)]
public sealed class StorePersistenceTests(ClusterFixture cluster)
{
    [Fact]
    public async Task Groups_survive_a_restart_of_the_nodes_store()
    {
        var id = $"p-{Guid.NewGuid():N}";
        var node = cluster.Node("node2");
        Assert.Equal(HttpStatusCode.Created, (await node.PostGroupAsync(id)).StatusCode);

        await cluster.StopAsync("store2");
        // The node's store address is the store process's own, with no proxy in front that would take the node's
        // connections while the store is down: a stopped store refuses them.
        Assert.Equal(SocketError.ConnectionRefused, await ConnectAsync(await StoreEndPointAsync("store2")));
        await cluster.StartAsync("store2");
        await cluster.App.ResourceNotifications.WaitForResourceHealthyAsync("node2").WaitAsync(Wait.Resource);

        // The node's connection comes back by itself; poll until it answers from the restarted store.
        await Wait.UntilAsync(async () => (await node.GetAsync($"/v1/group/{id}/")).StatusCode == HttpStatusCode.OK,
            Wait.Resource, $"{id} readable on node2 after its store restarted");
    }

    // The store's address as its node reads it: the first endpoint of its connection string.
    private async Task<EndPoint> StoreEndPointAsync(string store) =>
        StackExchange.Redis.ConfigurationOptions.Parse(
            (await cluster.App.GetConnectionStringAsync(store).AsTask().WaitAsync(Wait.Request))!).EndPoints[0];

    private static async Task<SocketError> ConnectAsync(EndPoint store)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(store).WaitAsync(Wait.Request);
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    }
}
