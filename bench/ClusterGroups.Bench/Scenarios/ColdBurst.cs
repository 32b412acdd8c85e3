using System.Diagnostics;
using System.Net.Sockets;
using ClusterGroups.Bench.Measurement;

namespace ClusterGroups.Bench.Scenarios;

// What a restarted process meets (docs/ARCHITECTURE.md, "Cold start"): everyone who waited for it at once. Creates
// are sent all together on fresh connections, each timed from the moment the burst left.
public static class ColdBurst
{
    public const int Size = 32;
    private static readonly TimeSpan UpLimit = TimeSpan.FromMinutes(2);

    public static async Task<(double FirstMs, double LastMs, int Created, int ServerErrors, int Other, string Statuses)> CreateAsync(
        Func<HttpClient> client, Uri target, CancellationToken ct)
    {
        using var http = client();
        var started = Stopwatch.GetTimestamp();
        var answers = await Task.WhenAll(Enumerable.Range(0, Size).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target, "/v1/group/")) { Content = NodeCalls.Body(GroupIds.Next()) };
            using var response = await Requests.SendAsync(http, request, ct);
            return (Ms: Stopwatch.GetElapsedTime(started).TotalMilliseconds, Status: response is null ? 0 : (int)response.StatusCode);
        }));
        return (Math.Round(answers.Min(a => a.Ms), 1), Math.Round(answers.Max(a => a.Ms), 1),
            answers.Count(a => a.Status == 201), answers.Count(a => a.Status >= 500), answers.Count(a => a.Status is not 201 and < 500),
            string.Join(' ', answers.GroupBy(a => a.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}×{g.Count()}")));
    }

    // A process is up the moment its port accepts a connection (nodes and, in the bench, the Api are not behind
    // dcp's proxy, so the port is the process's own).
    public static Task<double> UntilListeningAsync(Uri endpoint, CancellationToken ct) => UntilAsync(async token =>
    {
        using var socket = new TcpClient();
        try
        {
            await socket.ConnectAsync(endpoint.Host, endpoint.Port, token);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }, $"{endpoint} to accept a connection", ct);

    // A store is behind dcp's proxy, which accepts connections whether or not the store runs: it is up when the
    // process that uses it answers a read that goes to it.
    public static Task<double> UntilAnswersAsync(HttpClient http, Uri read, CancellationToken ct) => UntilAsync(async token =>
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token);
        attempt.CancelAfter(TimeSpan.FromSeconds(2));
        using var request = new HttpRequestMessage(HttpMethod.Get, read);
        try
        {
            using var response = await Requests.SendAsync(http, request, attempt.Token);
            return response is { StatusCode: System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.NotFound };
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return false;
        }
    }, $"{read} to answer", ct);

    private static async Task<double> UntilAsync(Func<CancellationToken, Task<bool>> condition, string what, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(UpLimit);
        var started = Stopwatch.GetTimestamp();
        try
        {
            while (!await condition(limit.Token))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10), limit.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"gave up after {UpLimit.TotalSeconds:F0} s waiting for {what}");
        }

        return Math.Round(Stopwatch.GetElapsedTime(started).TotalSeconds, 2);
    }
}
