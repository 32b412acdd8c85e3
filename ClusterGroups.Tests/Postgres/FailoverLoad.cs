using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Postgres;

// One answer of the Api: what was asked, what it said, and when (on the load's clock).
public sealed record FailoverAnswer(string GroupId, bool Create, int Status, string? Outcome, string? OperationId, TimeSpan Sent, TimeSpan Answered)
{
    // An answer that says the operation is done (or was already so): it must rest on a commit no failover loses.
    public bool Acknowledged => OperationId is not null && Outcome is "Committed" or "AlreadySo";

    public override string ToString() =>
        $"{(Create ? "create" : "delete")} {GroupId} at {Sent.TotalSeconds:0.00}s: {Status} {Outcome} {OperationId} ({(Answered - Sent).TotalSeconds:0.00}s)";
}

// Callers creating and deleting their own ids through the Api until stopped, each request on a connection of its own
// (so both Api replicas get some). Every answer is checked against the nodes the moment it is given (each caller owns
// its ids, so nothing else changes them meanwhile), as the chaos soak does: through the nodes' GET by default, or by
// `where` (the nodes' stores read directly, when node chaos would fault the GET too). A request that takes longer than
// Wait.Request counts as hung: the coordinator's writes must be bounded whatever its database does.
public sealed class FailoverLoad : IAsyncDisposable
{
    private readonly ClusterFixture _cluster;
    private readonly Func<string, Task<string[]>> _where;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<FailoverAnswer> _answers = new();
    private readonly ConcurrentQueue<string> _untrue = new();
    private readonly ConcurrentQueue<string> _hung = new();
    private readonly Task _run;

    private FailoverLoad(ClusterFixture cluster, string prefix, int callers, int idsPerCaller, Func<string, Task<string[]>>? where)
    {
        _cluster = cluster;
        _where = where ?? cluster.WhereAsync;
        _run = Task.WhenAll(Enumerable.Range(0, callers).Select(caller =>
            Task.Run(() => CallAsync(caller, [.. Enumerable.Range(0, idsPerCaller).Select(i => $"{prefix}-{caller}-{i}")]))));
    }

    public static FailoverLoad Start(
        ClusterFixture cluster, string prefix, int callers = 6, int idsPerCaller = 3, Func<string, Task<string[]>>? where = null) =>
        new(cluster, prefix, callers, idsPerCaller, where);

    public TimeSpan Now => _clock.Elapsed;

    public IReadOnlyList<FailoverAnswer> Answers => [.. _answers];

    public IReadOnlyList<string> Untrue => [.. _untrue];

    public IReadOnlyList<string> Hung => [.. _hung];

    public int AcknowledgedSentSince(TimeSpan since) => _answers.Count(a => a.Acknowledged && a.Sent >= since);

    // Until `count` answers to requests sent at `since` or later say done (a load that fails stops the wait).
    public Task UntilAcknowledgedAsync(int count, TimeSpan since, TimeSpan timeout, string what) =>
        Wait.UntilAsync(() => _run.IsFaulted ? throw _run.Exception! : Task.FromResult(AcknowledgedSentSince(since) >= count), timeout, what);

    // Until some request sent at `since` or later has its answer, whatever it is.
    public Task UntilAnsweredAsync(TimeSpan since, TimeSpan timeout, string what) =>
        Wait.UntilAsync(() => _run.IsFaulted ? throw _run.Exception! : Task.FromResult(_answers.Any(a => a.Sent >= since)), timeout, what);

    public async Task<IReadOnlyList<FailoverAnswer>> StopAsync()
    {
        await _stop.CancelAsync();
        await _run.WaitAsync(Wait.Request + Wait.Resource);
        return Answers;
    }

    // Also when the test failed before StopAsync: callers must not outlive the app they call.
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run.WaitAsync(Wait.Request + Wait.Resource);
        }
        catch (Exception)
        {
            // A caller's failure was the test's (it waited on the load and saw it); here it would hide that.
        }

        _stop.Dispose();
    }

    private async Task CallAsync(int caller, string[] mine)
    {
        var api = _cluster.Api();
        api.DefaultRequestHeaders.ConnectionClose = true;
        var random = new Random(caller);
        // What each id must be on every node (null: unknown, until a later answer settles it).
        var expected = mine.ToDictionary(id => id, _ => (bool?)false);
        while (!_stop.IsCancellationRequested)
        {
            var id = mine[random.Next(mine.Length)];
            var create = random.Next(2) == 0;
            var sent = Now;
            int status;
            JsonNode? body = null;
            try
            {
                using var response = create ? await api.PostGroupAsync(id) : await api.DeleteGroupAsync(id);
                status = (int)response.StatusCode;
                body = Parse(await response.Content.ReadAsStringAsync());
            }
            catch (TimeoutException)
            {
                _hung.Enqueue($"{(create ? "create" : "delete")} {id} sent at {sent.TotalSeconds:0.0}s had no answer in {Wait.Request.TotalSeconds}s");
                expected[id] = null;
                continue;
            }
            catch (HttpRequestException e)
            {
                // No answer from the proxy (a replica busy past its limits): unknown, as a 503 is.
                expected[id] = null;
                _answers.Enqueue(new FailoverAnswer(id, create, 0, e.Message, null, sent, Now));
                continue;
            }

            var answer = new FailoverAnswer(id, create, status, body?["outcome"]?.GetValue<string>(), body?["operationId"]?.GetValue<string>(), sent, Now);
            expected[id] = answer.Outcome switch
            {
                "Committed" or "AlreadySo" => create,
                "RolledBack" or "Busy" => expected[id],
                _ => null,
            };

            // At the moment of the answer: what it says holds on every node.
            if (expected[id] is { } present)
            {
                var where = await _where(id);
                if (where.Length != (present ? _cluster.NodeCount : 0))
                {
                    _untrue.Enqueue($"{answer}, yet on [{string.Join(", ", where)}]");
                }
            }

            _answers.Enqueue(answer);
        }
    }

    private static JsonNode? Parse(string text)
    {
        try
        {
            return text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
