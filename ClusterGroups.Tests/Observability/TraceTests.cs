using System.Diagnostics;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Observability;

// The spans an Api exports, read with an in-memory exporter: an Api in-process (the real wiring, ServiceDefaults'
// tracing included) on the cluster's nodes and its coordinator store, as a second replica.
[Collection(ClusterCollection.Name)]
public sealed class TraceTests(ClusterFixture cluster, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly ActivitySource TestSource = new("ClusterGroups.Tests");
    private readonly SpanLog _spans = new();
    private WebApplicationFactory<FanOutProtocol> _factory = null!;

    [Fact]
    public async Task A_create_is_a_trace_named_after_it_and_an_already_so_create_has_no_error_span()
    {
        var api = Api();
        var id = $"trace-{Guid.NewGuid():N}";

        Assert.Equal(HttpStatusCode.Created, (await api.PostGroupAsync(id)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostGroupAsync(id)).StatusCode);

        var roots = await WaitForAsync(() => _spans.Where(s => s.Kind == ActivityKind.Server && s.DisplayName == $"create {id}").ToList(),
            r => r.Count == 2, $"two server spans named 'create {id}'");
        Assert.All(roots, r => Assert.Equal(default, r.ParentSpanId));
        var again = roots.Single(r => (int?)r.GetTagItem("http.response.status_code") == 409);
        var trace = await WaitForAsync(() => _spans.Where(s => s.TraceId == again.TraceId).ToList(),
            t => t.Count(s => s.Kind == ActivityKind.Client) >= cluster.NodeCount, "the 409's node calls");
        output.WriteLine(string.Join("\n", trace.Select(s => $"{s.Kind} {s.DisplayName} {s.Status} {s.GetTagItem("http.response.status_code")}")));

        // Each node answered "exists" (400): an answer, not a failure.
        Assert.Contains(trace, s => s.Kind == ActivityKind.Client && (int?)s.GetTagItem("http.response.status_code") == 400);
        Assert.All(trace, s => Assert.True(s.Status != ActivityStatusCode.Error, $"{s.DisplayName} is an error span"));
        Assert.Contains(trace, s => s.DisplayName == $"create {id}" && (string?)s.GetTagItem("clustergroups.outcome") == "AlreadySo");
    }

    // The coordinator's part of an operation that commits at once: one script to take the lease, read the group's
    // last operation and begin this one; one to close it, record its desired state and free the lease. Each is made
    // durable by a COMMITAOF after it (the stores' group commit, shared with every reply that came meanwhile), so
    // the coordinator sees two scripts and at most two commits.
    [Fact]
    public async Task A_create_that_commits_costs_the_coordinator_two_round_trips()
    {
        var api = Api();
        // A first operation warms the Api up: it learns that the nodes honour Idempotency-Key (no read-before).
        Assert.Equal(HttpStatusCode.Created, (await api.PostGroupAsync($"trips-{Guid.NewGuid():N}")).StatusCode);
        var id = $"trips-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.Created, (await api.PostGroupAsync(id)).StatusCode);
        var root = (await WaitForAsync(() => _spans.Where(s => s.Kind == ActivityKind.Server && s.DisplayName == $"create {id}").ToList(),
            r => r.Count == 1, $"the server span 'create {id}'")).Single();

        // Every command issued before the marker's has reached the exporter once the marker's has.
        Activity marker;
        using (marker = TestSource.StartActivity("marker")!)
        {
            await _factory.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase().PingAsync();
        }

        await WaitForAsync(() => _spans.Where(s => s.ParentSpanId == marker.SpanId).ToList(), c => c.Count > 0, "the marker's PING span");
        // The membership's read (HGET, ClusterMembership) is no cost of this operation: it is made by whichever request
        // finds the last one read more than RefreshEvery (1 s) old, as this one may on a loaded machine.
        var commands = _spans.Where(s => s.TraceId == root.TraceId && (string?)s.GetTagItem("db.system") == "redis" && s.DisplayName != "HGET").ToList();
        output.WriteLine(string.Join("\n", _spans.Where(s => s.TraceId == root.TraceId).OrderBy(s => s.StartTimeUtc)
            .Select(s => $"{s.StartTimeUtc:HH:mm:ss.ffffff} {s.Duration.TotalMilliseconds,8:F2} ms {s.Kind} {s.DisplayName}")));
        Assert.Equal(2, commands.Count(c => c.DisplayName != "COMMITAOF"));
        // Scripts go by their hash (RedisStore: loaded at start, never resent by the library behind a commit).
        Assert.All(commands.Where(c => c.DisplayName != "COMMITAOF"), c => Assert.Equal("EVALSHA", c.DisplayName));
        Assert.InRange(commands.Count(c => c.DisplayName == "COMMITAOF"), 0, 2);
    }

    [Fact]
    public async Task Background_polls_that_find_nothing_and_health_probes_make_no_spans()
    {
        var api = Api();
        var recovery = _factory.Services.GetRequiredService<Recovery>();
        using var cts = new CancellationTokenSource(Wait.Request);
        _spans.Clear();

        for (var i = 0; i < 3; i++)
        {
            await recovery.RunOnceAsync(cts.Token);                               // SMEMBERS of the open set, finds nothing due
            Assert.True((await api.GetAsync("/health").WaitAsync(Wait.Request)).IsSuccessStatusCode);   // probes every node
            await _factory.Services.GetRequiredService<ClusterGroups.Api.Cluster.ClusterScan>().StatusAsync(withCounts: true, cts.Token); // a scan outside any span
        }

        // A Redis command inside a span, after the polls: once its span is exported, the store's profiler has
        // handed over every command issued before it.
        Activity marker;
        using (marker = TestSource.StartActivity("marker")!)
        {
            await _factory.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase().PingAsync();
        }

        await WaitForAsync(() => _spans.Where(s => s.ParentSpanId == marker.SpanId).ToList(), c => c.Count > 0, "the marker's PING span");
        var spans = _spans.ToList();
        output.WriteLine(string.Join("\n", spans.Select(s => $"{s.Kind} {s.DisplayName} parent={s.ParentSpanId}")));
        Assert.DoesNotContain(spans, s => s.Kind == ActivityKind.Client && s.ParentSpanId == default);
        Assert.DoesNotContain(spans, s => s.DisplayName.Contains("SMEMBERS", StringComparison.Ordinal));
        Assert.DoesNotContain(spans, s => s.DisplayName.Contains("/health", StringComparison.Ordinal) || s.DisplayName == "GET");
        Assert.Contains(spans, s => s.DisplayName == "marker");
    }

    private HttpClient Api()
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Add(SecurityHeaders.ApiKey, cluster.ApiKey);
        return client;
    }

    private static async Task<List<Activity>> WaitForAsync(Func<List<Activity>> read, Func<List<Activity>, bool> done, string what)
    {
        List<Activity> found = [];
        await Wait.UntilAsync(() => Task.FromResult(done(found = read())), Wait.Resource, what);
        return found;
    }

    public async Task InitializeAsync()
    {
        var coordinator = await cluster.App.GetConnectionStringAsync("coordinator").AsTask().WaitAsync(Wait.Request);
        _factory = InProcessApi.Start(cluster,
            new Dictionary<string, string> { ["ConnectionStrings:coordinator"] = coordinator!, ["Api:Keys:default"] = cluster.ApiKey },
            web => web.ConfigureTestServices(services => services.AddOpenTelemetry().WithTracing(t => t.AddInMemoryExporter(_spans))));
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();
}
