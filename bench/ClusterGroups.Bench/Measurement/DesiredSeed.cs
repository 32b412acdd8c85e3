using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace ClusterGroups.Bench.Measurement;

// Records in a Redis-protocol coordinator (cg:desired, docs/ARCHITECTURE.md "The journal") that each of
// {prefix}0 … {prefix}{count-1} should be present, as a committed create would have left it: so groups bulk-loaded
// straight into the nodes are groups the Api knows (the reconciler's evidence for them), without a million creates
// through the Api first. Plain HSETs of 1 000 fields, pipelined over one socket; the bench's own, not the Api's.
public static class DesiredSeed
{
    public const string Key = "cg:desired";
    public const string Value = "+op-bench-bulk-load";
    private const int PerCommand = 1_000;
    private const int InFlight = 16;

    public static async Task WriteAsync(string hostAndPort, string prefix, long count, CancellationToken ct)
    {
        var at = hostAndPort.LastIndexOf(':');
        var port = int.Parse(hostAndPort[(at + 1)..], CultureInfo.InvariantCulture);
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, ct);
        var stream = client.GetStream();
        var replies = new RespReplies(stream);
        var sent = 0;
        for (long from = 0; from < count; from += PerCommand)
        {
            var n = (int)Math.Min(PerCommand, count - from);
            var command = new StringBuilder();
            command.Append(CultureInfo.InvariantCulture, $"*{2 + (2 * n)}\r\n");
            Bulk(command, "HSET");
            Bulk(command, Key);
            for (var i = 0; i < n; i++)
            {
                Bulk(command, prefix + (from + i).ToString(CultureInfo.InvariantCulture));
                Bulk(command, Value);
            }

            await stream.WriteAsync(Encoding.UTF8.GetBytes(command.ToString()), ct);
            if (++sent >= InFlight)
            {
                await replies.ReadOneAsync(ct);
                sent--;
            }
        }

        while (sent-- > 0)
        {
            await replies.ReadOneAsync(ct);
        }
    }

    private static void Bulk(StringBuilder command, string value) =>
        command.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(value)}\r\n{value}\r\n");

    // Integer replies (":n\r\n") one line at a time; an error reply ("-…") fails the seed.
    private sealed class RespReplies(NetworkStream stream)
    {
        private readonly byte[] _buffer = new byte[4096];
        private int _start;
        private int _end;

        public async Task ReadOneAsync(CancellationToken ct)
        {
            while (true)
            {
                var eol = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (eol >= 0)
                {
                    var line = Encoding.UTF8.GetString(_buffer, _start, eol - _start).TrimEnd('\r');
                    _start = eol + 1;
                    if (!line.StartsWith(':'))
                    {
                        throw new InvalidOperationException($"The coordinator refused the seed: {line}");
                    }

                    return;
                }

                Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
                (_end, _start) = (_end - _start, 0);
                var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
                if (read == 0)
                {
                    throw new IOException("The coordinator closed the connection during the seed.");
                }

                _end += read;
            }
        }
    }
}
