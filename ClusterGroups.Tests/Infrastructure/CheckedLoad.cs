using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace ClusterGroups.Tests.Infrastructure;

// A steady load from several callers, each creating and deleting ids of its own (so no one else changes a group
// between an answer and its check), every answer checked on the nodes it names as soon as it is given. Callers spread
// their requests over the Api replicas `targets` names at that moment (a rolling restart takes one out before stopping
// it, as a load balancer would).
public sealed class CheckedLoad(ClusterFixture cluster, Func<IReadOnlyList<HttpClient>> targets, string prefix)
{
    private readonly CancellationTokenSource _stop = new();
    private int _unchecked;
    private int _unanswered;

    public volatile string Phase = "in";

    // Node reads not made because the node had just been stopped (tests that stop a node under load).
    public int Unchecked => Volatile.Read(ref _unchecked);

    // Requests that got no answer at all (the replica asked was going down).
    public int Unanswered => Volatile.Read(ref _unanswered);

    public ConcurrentQueue<Answer> Answers { get; } = new();
    public ConcurrentQueue<string> Untrue { get; } = new();

    public Task RunAsync(int callers) => Task.WhenAll(Enumerable.Range(0, callers).Select(async caller =>
    {
        var random = new Random(caller);
        for (var n = 0; !_stop.IsCancellationRequested; n++)
        {
            var apis = targets();
            var api = apis[(caller + n) % apis.Count];
            var id = $"{prefix}-{caller}-{random.Next(30)}";
            var create = random.Next(2) == 0;
            var phase = Phase;
            HttpResponseMessage response;
            try
            {
                response = await (create ? api.PostGroupAsync(id) : api.DeleteGroupAsync(id)).WaitAsync(Wait.Request);
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref _unanswered);
                continue;
            }

            var status = (int)response.StatusCode;
            var body = status is 200 or 201 or 202 or 404 or 409 ? await response.JsonAsync() : null;
            var nodes = body?["nodes"]?.AsArray().Select(n => n!["node"]!.GetValue<string>()).ToArray() ?? [];
            // A 5xx's problem details say why (kept short), for the test's message.
            var why = status >= 500 && body is null ? new string([.. (await response.Content.ReadAsStringAsync()).Take(400)]) : null;
            Answers.Enqueue(new Answer(phase, status, body?["epoch"]?.GetValue<long>() ?? 0, nodes, api.BaseAddress?.ToString() ?? "", why));
            // Committed (200, 201) or already so (409 for a create, 404 for a delete): true on every node it names.
            if (status is 200 or 201 or 404 or 409)
            {
                await CheckAsync(id, create, status, phase, nodes);
            }
        }
    }));

    public Task AnsweredAsync(int more)
    {
        var target = Answers.Count + more;
        return Wait.UntilAsync(() => Task.FromResult(Answers.Count >= target), Wait.Resource, $"{more} more answers");
    }

    public async Task StopAsync(Task running)
    {
        await _stop.CancelAsync();
        await running.WaitAsync(Wait.Resource);
    }

    private async Task CheckAsync(string id, bool create, int status, string phase, string[] nodes)
    {
        foreach (var node in nodes)
        {
            try
            {
                if (await cluster.IsPresentAsync(node, id) != create)
                {
                    Untrue.Enqueue($"{(create ? "create" : "delete")} {id} answered {status} ({phase}) but {node} says otherwise");
                }
            }
            catch (HttpRequestException)
            {
                // The node was stopped between the answer and its check (tests that stop a node under load).
                Interlocked.Increment(ref _unchecked);
            }
        }
    }

    // Replica: the Api address that answered; Why: the body of a 5xx that is not an operation's report.
    public sealed record Answer(string Phase, int Status, long Epoch, string[] Nodes, string Replica, string? Why = null);
}
