using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace ClusterGroups.Tests.Infrastructure;

// What a restarted process meets (docs/ARCHITECTURE.md, "Cold start"): everyone who waited for it, at once. The
// creates go out together on fresh connections (a new process has no pooled ones), each timed from the moment the
// burst left.
public static class ColdBurst
{
    public const int Size = 32;

    public sealed record Answer(string GroupId, HttpStatusCode? Status, TimeSpan Took, string? Error)
    {
        public override string ToString() => $"{(Status is { } s ? (int)s : Error)} in {Took.TotalMilliseconds:F0} ms";
    }

    /// <summary>
    /// Kills a node (kill -9), starts it again and sends the burst straight to it the moment it listens; then waits
    /// until it is back in the cluster and removes what the burst created (on that node alone).
    /// </summary>
    public static async Task<IReadOnlyList<Answer>> AfterNodeCrashAsync(ClusterFixture cluster, string node)
    {
        await cluster.KillAsync(node);
        IReadOnlyList<Answer> answers;
        try
        {
            await cluster.StartCommandAsync(node);
            await UntilListeningAsync(cluster.NodeUri(node));
            answers = await CreateAsync(cluster.NodeUri(node), SecurityHeaders.ClusterKey, cluster.ClusterKey, $"cold-{node}-{Guid.NewGuid():N}");
        }
        finally
        {
            await cluster.WaitBackAsync(node);
        }

        var client = cluster.Node(node);
        foreach (var answer in answers.Where(a => a.Status == HttpStatusCode.Created))
        {
            await client.DeleteGroupAsync(answer.GroupId);
        }

        return answers;
    }

    /// <summary>
    /// Kills the Api (kill -9), starts it again and sends the burst to it the moment it answers /alive; then waits until
    /// it is healthy and deletes what the burst created.
    /// </summary>
    public static async Task<IReadOnlyList<Answer>> AfterApiCrashAsync(ClusterFixture cluster)
    {
        await cluster.KillAsync("api");
        IReadOnlyList<Answer> answers;
        try
        {
            await cluster.StartCommandAsync("api");
            await UntilAliveAsync(cluster.ApiAnonymous());
            answers = await CreateAsync(cluster.App.GetEndpoint("api", "http"), SecurityHeaders.ApiKey, cluster.ApiKey, $"cold-api-{Guid.NewGuid():N}");
        }
        finally
        {
            await cluster.WaitBackAsync("api");
        }

        var api = cluster.Api();
        foreach (var answer in answers.Where(a => a.Status == HttpStatusCode.Created))
        {
            await api.DeleteGroupAsync(answer.GroupId);
        }

        return answers;
    }

    public static async Task<IReadOnlyList<Answer>> CreateAsync(Uri endpoint, string keyHeader, string key, string prefix)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = Size })
        {
            BaseAddress = endpoint,
            Timeout = Wait.Request,
        };
        http.DefaultRequestHeaders.Add(keyHeader, key);
        var started = Stopwatch.GetTimestamp();
        return await Task.WhenAll(Enumerable.Range(0, Size).Select(async i =>
        {
            var id = $"{prefix}-{i}";
            try
            {
                using var response = await http.PostAsync("/v1/group/",
                    new StringContent($$"""{"groupId":"{{id}}"}""", Encoding.UTF8, "application/json"));
                return new Answer(id, response.StatusCode, Stopwatch.GetElapsedTime(started), null);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return new Answer(id, null, Stopwatch.GetElapsedTime(started), e.GetType().Name);
            }
        }));
    }

    /// <summary>The moment a process is up: its own port accepts a connection (a node's endpoint is not proxied).</summary>
    public static Task UntilListeningAsync(Uri endpoint) => Wait.UntilAsync(async () =>
    {
        using var socket = new TcpClient();
        try
        {
            await socket.ConnectAsync(endpoint.Host, endpoint.Port).WaitAsync(Wait.Request);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }, Wait.Resource, $"{endpoint} accepts a connection");

    /// <summary>
    /// The moment the Api is up: it answers its liveness probe. Its endpoint is behind dcp's proxy, which accepts
    /// connections before the Api listens; /alive touches neither the coordinator nor the nodes.
    /// </summary>
    public static Task UntilAliveAsync(HttpClient http) => Wait.UntilAsync(async () =>
    {
        try
        {
            using var response = await http.GetAsync("/alive").WaitAsync(Wait.Request);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }, Wait.Resource, "the api answers /alive");

    /// <summary>Every create answered 201, none slower than <paramref name="limit"/>.</summary>
    public static void AssertAllCreatedWithin(IReadOnlyList<Answer> answers, TimeSpan limit, string what)
    {
        var failed = answers.Count(a => a.Status != HttpStatusCode.Created);
        var late = answers.Count(a => a.Took >= limit);
        Assert.True(failed == 0 && late == 0,
            $"{what}: {failed} of {answers.Count} creates not answered 201, {late} slower than {limit.TotalSeconds:F1} s; "
            + string.Join(", ", answers.OrderBy(a => a.Took).Select(a => a.ToString())));
    }

    /// <summary>
    /// Every create answered, none with a 5xx, none slower than <paramref name="hang"/>; a 202 (a node's answer came
    /// too late, its repair pending) is a true answer of a loaded cluster, not a cold start's failure.
    /// </summary>
    public static void AssertNoServerErrorWithin(IReadOnlyList<Answer> answers, TimeSpan hang, string what)
    {
        var failed = answers.Count(a => a.Status is not { } s || (int)s >= 500);
        var hung = answers.Count(a => a.Took >= hang);
        Assert.True(failed == 0 && hung == 0,
            $"{what}: {failed} of {answers.Count} creates unanswered or 5xx, {hung} slower than {hang.TotalSeconds:F1} s; "
            + string.Join(", ", answers.OrderBy(a => a.Took).Select(a => a.ToString())));
    }
}
