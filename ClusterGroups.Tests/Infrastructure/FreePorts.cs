namespace ClusterGroups.Tests.Infrastructure;

// A port for a process a test starts itself (a store, PostgreSQL, an Api): free now, and outside the kernel's
// ephemeral range (32768-60999), where outgoing connections take theirs, so that a process restarted on the same port
// does not find it taken by one. Port 0 would let the kernel choose, from exactly that range.
public static class FreePorts
{
    private const int First = 20_000, Last = 32_767;

    public static int Pick()
    {
        for (var i = 0; i < 200; i++)
        {
            var port = Random.Shared.Next(First, Last + 1);
            try
            {
                using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (System.Net.Sockets.SocketException)
            {
            }
        }

        throw new InvalidOperationException($"No free port between {First} and {Last}.");
    }
}
