using System.Diagnostics;
using ClusterGroups.Contracts;
using ClusterGroups.Node.Groups;
using ClusterGroups.Simulation.Keyspace;

namespace ClusterGroups.UnitTests.FanOut;

// One request as the fake node saw it; Start/End are Stopwatch timestamps.
public sealed record FakeRequest(HttpMethod Method, string Path, string? GroupId, string? Key, FaultKind Fault, long Start, long End);

// An in-memory node that answers like ClusterGroups.Node (or, with ignoresIdempotency, like the seed's Flask node),
// except where its script says otherwise. The script is a queue of faults, each consumed by the first request it matches.
// Its groups are the node's own: the real GroupStore, running the node's real Lua scripts (NodeScripts) in an
// in-process store (ClusterGroups.Simulation), so the fake cannot drift from the node. The seed-like node calls it
// without keys or tokens.
public sealed class FakeNode(string name, bool ignoresIdempotency = false)
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);
    private readonly GroupStore _groups = new(new InProcessStore());
    private readonly List<Fault> _script = [];
    private readonly List<FakeRequest> _requests = [];
    private volatile bool _down;
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;
    private int _delivered;

    public string Name { get; } = name;
    public bool IgnoresIdempotency { get; } = ignoresIdempotency;
    public bool IsDown => _down;

    public IReadOnlySet<string> Groups => Done(_groups.ListAsync()).ToHashSet(StringComparer.Ordinal);
    public bool Has(string groupId) => Done(_groups.ReadAsync(groupId)).Present;

    // A group that was there before the test's operation (created by nobody the Api knows).
    public void Seed(params string[] groupIds)
    {
        foreach (var id in groupIds)
        {
            Done(_groups.CreateAsync(id, null));
        }
    }

    // A group removed by a write the Api does not know of (someone writing to the node's store, or a stale owner's
    // late delete on a node that cannot refuse it).
    public void Remove(params string[] groupIds)
    {
        foreach (var id in groupIds)
        {
            Done(_groups.DeleteAsync(id, null));
        }
    }

    // A group created by the write with this Idempotency-Key (as if an operation's create had reached the node).
    public void SeedCreatedBy(string groupId, string key) => Done(_groups.CreateAsync(groupId, key));

    // The in-process store completes every call before it returns.
    private static T Done<T>(Task<T> call)
    {
        Done((Task)call);
        return call.Result;
    }

    private static void Done(Task call)
    {
        if (!call.IsCompleted)
        {
            throw new InvalidOperationException("the in-process store answered asynchronously");
        }

        call.GetAwaiter().GetResult();
    }

    // Late and frozen requests wait for this; each then runs as if it had just arrived.
    public void OpenGate() => _gate.TrySetResult();

    // How many late or frozen requests are waiting or were let through, and how many of them have been answered since.
    public int HeldCount => Volatile.Read(ref _held);
    public int DeliveredCount => Volatile.Read(ref _delivered);

    // Runs once, after the node has taken its next listing of every group and before it answers with it: what else
    // happens while that answer is on its way (a write landing behind it, say).
    public void OnceListed(Func<Task> meanwhile) => Volatile.Write(ref _onceListed, meanwhile);

    private Func<Task>? _onceListed;

    public void GoDown() => _down = true;
    public void ComeUp() => _down = false;

    public void Script(params Fault[] faults)
    {
        lock (_script)
        {
            _script.AddRange(faults);
        }
    }

    public void Script(Fault fault, int times) => Script([.. Enumerable.Repeat(fault, times)]);

    public void ClearScript()
    {
        lock (_script)
        {
            _script.Clear();
        }
    }

    public IReadOnlyList<FakeRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public IReadOnlyList<FakeRequest> RequestsOf(HttpMethod method) => [.. Requests.Where(r => r.Method == method)];

    public async Task<HttpResponseMessage> HandleAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        var fault = _down ? Fault.ConnectionRefused() : Take(request.Method, request.RequestUri!.AbsolutePath);
        if (fault.Kind == FaultKind.Down)
        {
            _down = true;
        }

        var path = request.RequestUri!.AbsolutePath;
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(ct);
        var groupId = body.Length > 0 ? GroupRequestReader.Parse(body).GroupId : GroupFromPath(path);
        var key = request.Headers.TryGetValues(NodeHeaders.IdempotencyKey, out var keys) ? keys.Single() : null;
        var token = request.Headers.TryGetValues(NodeHeaders.FencingToken, out var tokens) ? long.Parse(tokens.Single(), System.Globalization.CultureInfo.InvariantCulture) : (long?)null;
        var undo = request.Headers.TryGetValues(NodeHeaders.UndoKey, out var undos) ? undos.Single() : null;
        try
        {
            return await AnswerAsync(request, fault, path, groupId, key, token, undo, ct);
        }
        finally
        {
            lock (_requests)
            {
                _requests.Add(new FakeRequest(request.Method, path, groupId, key, fault.Kind, start, Stopwatch.GetTimestamp()));
            }
        }
    }

    private async Task<HttpResponseMessage> AnswerAsync(
        HttpRequestMessage request, Fault fault, string path, string? groupId, string? key, long? token, string? undo, CancellationToken ct)
    {
        var answers = new FakeAnswers(Name, IgnoresIdempotency, request);
        switch (fault.Kind)
        {
            case FaultKind.ConnectionRefused or FaultKind.Down:
                throw new HttpRequestException(HttpRequestError.ConnectionError, $"{Name}: connection refused (scripted)");
            case FaultKind.Status500BeforeApply:
                return answers.ServerError();
            case FaultKind.UnavailableBeforeApply:
                return answers.Unavailable(TimeSpan.FromSeconds(Math.Max(1, fault.DelayMs / 1000)));
            case FaultKind.TimeoutBeforeApply:
                await HangAsync(ct);
                break;
            case FaultKind.Slow:
                await Task.Delay(fault.DelayMs, ct);
                break;
            case FaultKind.Frozen:
                Interlocked.Increment(ref _held);
                await _gate.Task.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
                break;
            case FaultKind.Late:
                Interlocked.Increment(ref _held);
                _ = DeliverLateAsync(answers, request.Method, path, groupId, key, token, undo);
                await HangAsync(ct);
                break;
        }

        var answer = Route(answers, request.Method, path, groupId, key, token, undo);
        if (request.Method == HttpMethod.Get && path.TrimEnd('/') == "/v1/groups"
            && Interlocked.Exchange(ref _onceListed, null) is { } meanwhile)
        {
            await meanwhile().WaitAsync(Hang, CancellationToken.None);
        }

        if (fault.Kind == FaultKind.Frozen)
        {
            Interlocked.Increment(ref _delivered);
        }

        switch (fault.Kind)
        {
            case FaultKind.Status500AfterApply:
                return answers.ServerError();
            case FaultKind.TimeoutAfterApply:
                await HangAsync(ct);
                break;
        }

        return answer;
    }

    private HttpResponseMessage Route(
        FakeAnswers answers, HttpMethod method, string path, string? groupId, string? key, long? token, string? undo)
    {
        var trimmed = path.TrimEnd('/');
        // The seed's node knows neither keys nor tokens (nor the abort route).
        var (honouredKey, honouredToken) = IgnoresIdempotency ? (null, null) : (key, token);
        return (method.Method, trimmed) switch
        {
            ("GET", "") => answers.Info(),
            ("GET", "/v1/groups") => answers.List(Done(_groups.ListAsync())),
            ("GET", _) when groupId is not null => answers.Read(groupId, Done(_groups.ReadAsync(groupId))),
            ("POST", "/v1/group") when groupId is not null =>
                Write(answers, Done(_groups.CreateAsync(groupId, honouredKey, honouredToken)), groupId, HttpStatusCode.Created, answers.Exists),
            ("DELETE", "/v1/group") when groupId is not null =>
                Write(answers, Done(_groups.DeleteAsync(groupId, honouredKey, honouredToken)), groupId, HttpStatusCode.OK, answers.NotFound),
            ("POST", _) when !IgnoresIdempotency && trimmed.EndsWith("/abort", StringComparison.Ordinal) && key is not null
                => Done(_groups.AbortAsync(AbortedGroup(trimmed), key, token)) switch
                {
                    ({ Result: WriteResult.Fenced } outcome, _) => answers.Fenced(outcome.SeenToken),
                    var (outcome, write) => answers.AbortAnswer(AbortedGroup(trimmed), key, write, outcome.Result),
                },
            ("POST", _) when !IgnoresIdempotency && trimmed.EndsWith("/takeover", StringComparison.Ordinal)
                    && key is not null && undo is not null && token is not null
                => Done(_groups.TakeOverAsync(Suffixed(trimmed, "/takeover"), key, undo, token.Value)) switch
                {
                    (null, var seen) => answers.Fenced(seen),
                    var (state, _) => answers.TakeOverAnswer(Suffixed(trimmed, "/takeover"), state),
                },
            ("DELETE", "/v1/groups") => Clear(answers),
            _ => answers.BadRequest(),
        };
    }

    // A write's answer as the node's endpoints give it (GroupEndpoints): refused (fenced, aborted), already so
    // (first time or replayed), or done (a replay marked as one).
    private static HttpResponseMessage Write(
        FakeAnswers answers, WriteOutcome outcome, string groupId, HttpStatusCode done, Func<HttpResponseMessage> alreadySo) => outcome switch
        {
            { Result: WriteResult.Fenced } => answers.Fenced(outcome.SeenToken),
            { Result: WriteResult.Aborted } => answers.Aborted(),
            { Result: WriteResult.AlreadySo } or { First: WriteResult.AlreadySo } => alreadySo(),
            _ => answers.Group(groupId, done, outcome.Result == WriteResult.Replayed),
        };

    private HttpResponseMessage Clear(FakeAnswers answers)
    {
        var count = Done(_groups.ListAsync()).Count;
        Done(_groups.DeleteAllAsync());
        return answers.Cleared(count);
    }

    private static string AbortedGroup(string path) => Suffixed(path, "/abort");

    private static string Suffixed(string path, string suffix) => Uri.UnescapeDataString(path["/v1/group/".Length..^suffix.Length]);

    private async Task DeliverLateAsync(FakeAnswers answers, HttpMethod method, string path, string? groupId, string? key, long? token, string? undo)
    {
        await _gate.Task.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        Route(answers, method, path, groupId, key, token, undo);
        Interlocked.Increment(ref _delivered);
    }

    private Fault Take(HttpMethod method, string path)
    {
        lock (_script)
        {
            var index = _script.FindIndex(f => f.Matches(method, path));
            if (index < 0)
            {
                return Fault.Ok();
            }

            var fault = _script[index];
            _script.RemoveAt(index);
            return fault;
        }
    }

    // Only the Api's attempt timeout ends this; if it never comes, the test fails instead of passing slowly.
    private async Task HangAsync(CancellationToken ct)
    {
        await Task.Delay(Hang, ct);
        throw new TimeoutException($"{Name}: the Api did not cancel a call it had no answer to within {Hang}");
    }

    private static string? GroupFromPath(string path)
    {
        const string prefix = "/v1/group/";
        return path.StartsWith(prefix, StringComparison.Ordinal) && !path.EndsWith("/abort", StringComparison.Ordinal)
               && !path.EndsWith("/takeover", StringComparison.Ordinal)
            ? Uri.UnescapeDataString(path[prefix.Length..].TrimEnd('/'))
            : null;
    }
}
