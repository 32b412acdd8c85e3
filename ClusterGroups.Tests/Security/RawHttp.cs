using System.Net.Sockets;
using System.Text;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Security;

public sealed record RawAnswer(int Status, string Head, string Body)
{
    public bool IsProblem => Head.Contains("content-type: application/problem+json", StringComparison.OrdinalIgnoreCase);

    public override string ToString() => $"{Status} {Head.Split("\r\n")[0]} {Body[..Math.Min(200, Body.Length)]}";
}

// HTTP/1.1 spoken by hand, for what HttpClient will not send: a Content-Length the body does not match, broken chunked
// framing, a body cut off. Sends the head, then the body pieces while the server has not answered yet (a server
// refusing early is not made to read the rest), and reads until the server closes or the answer is complete.
public static class RawHttp
{
    public static async Task<RawAnswer> SendAsync(Uri server, string head, IEnumerable<byte[]> body)
    {
        using var cts = new CancellationTokenSource(Wait.Request);
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port, cts.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cts.Token);
        try
        {
            foreach (var piece in body)
            {
                if (client.Client.Poll(0, SelectMode.SelectRead))
                {
                    break; // the server answered (or closed) already
                }

                await stream.WriteAsync(piece, cts.Token);
            }
        }
        catch (IOException)
        {
            // The server stopped reading and closed: its answer is what counts.
        }

        using var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, cts.Token)) > 0)
            {
                received.Write(buffer, 0, read);
                if (Complete(received.ToArray()))
                {
                    break;
                }
            }
        }
        catch (IOException) when (received.Length > 0)
        {
        }

        var text = Encoding.UTF8.GetString(received.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, $"no HTTP answer: '{text}'");
        var head2 = text[..split];
        return new RawAnswer(int.Parse(head2.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), head2, text[(split + 4)..]);
    }

    public static string Head(string method, Uri server, string path, string keyHeader, string key, params string[] headers) =>
        $"{method} {path} HTTP/1.1\r\nHost: {server.Authority}\r\n{keyHeader}: {key}\r\nContent-Type: application/json\r\n"
        + string.Concat(headers.Select(h => h + "\r\n")) + "\r\n";

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    // A head with Content-Length and that many body bytes, or a chunked body up to its last chunk. (A client that
    // half-closes its side is taken by Kestrel for gone, and gets no answer at all: not a case to test by answer.)
    private static bool Complete(byte[] received)
    {
        var text = Encoding.ASCII.GetString(received);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (split < 0)
        {
            return false;
        }

        if (text[..split].Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            return text.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);
        }

        var length = text[..split].Split("\r\n")
            .Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2 && p[0].Trim().Equals("content-length", StringComparison.OrdinalIgnoreCase))
            .Select(p => int.Parse(p[1].Trim(), System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault(-1);
        return length >= 0 && received.Length - (split + 4) >= length;
    }
}
