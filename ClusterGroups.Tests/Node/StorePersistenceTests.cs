using System.Globalization;
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

    private async Task<DnsEndPoint> StoreEndPointAsync(string store)
    {
        var connectionString = (await cluster.App.GetConnectionStringAsync(store).AsTask().WaitAsync(Wait.Request))!;
        var hostAndPort = connectionString.Split(',')[0];
        var colon = hostAndPort.LastIndexOf(':');
        return new DnsEndPoint(hostAndPort[..colon], int.Parse(hostAndPort[(colon + 1)..], CultureInfo.InvariantCulture));
    }

    private static async Task<SocketError> ConnectAsync(DnsEndPoint store)
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
