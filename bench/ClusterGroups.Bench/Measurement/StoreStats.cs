using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace ClusterGroups.Bench.Measurement;

// Commands a Redis-protocol store has processed so far (INFO stats: total_commands_processed), read over a plain
// socket, so the bench can tell how many store round trips one operation costs. Null when the store does not say.
public static class StoreStats
{
    public static async Task<long?> CommandsProcessedAsync(string hostAndPort, CancellationToken ct)
    {
        var at = hostAndPort.LastIndexOf(':');
        if (at < 1 || !int.TryParse(hostAndPort[(at + 1)..], CultureInfo.InvariantCulture, out var port))
        {
            return null;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("*2\r\n$4\r\nINFO\r\n$5\r\nstats\r\n"u8.ToArray(), timeout.Token);
            var text = await ReadBulkAsync(stream, timeout.Token);
            var line = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("total_commands_processed:", StringComparison.Ordinal));
            return line is not null && long.TryParse(line[(line.IndexOf(':') + 1)..], CultureInfo.InvariantCulture, out var n) ? n : null;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return null;
        }
    }

    // A RESP bulk string: "$<length>\r\n<payload>\r\n".
    private static async Task<string> ReadBulkAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        var received = new MemoryStream();
        int? expected = null;
        while (true)
        {
            var read = await stream.ReadAsync(buffer, ct);
            if (read == 0)
            {
                break;
            }

            received.Write(buffer, 0, read);
            var text = Encoding.UTF8.GetString(received.GetBuffer(), 0, (int)received.Length);
            if (expected is null && text.IndexOf("\r\n", StringComparison.Ordinal) is var eol and > 0 && text[0] == '$')
            {
                expected = int.Parse(text[1..eol], CultureInfo.InvariantCulture) + eol + 4;
            }

            if (expected is { } total && received.Length >= total || text.StartsWith('-'))
            {
                return text;
            }
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }
}
