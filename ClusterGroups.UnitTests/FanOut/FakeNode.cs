using System.Diagnostics;
using ClusterGroups.Contracts;

namespace ClusterGroups.UnitTests.FanOut;

// One request as the fake node saw it; Start/End are Stopwatch timestamps.
public sealed record FakeRequest(HttpMethod Method, string Path, string? GroupId, string? Key, FaultKind Fault, long Start, long End);

// An in-memory node that answers like ClusterGroups.Node (or, with ignoresIdempotency, like the seed's Flask node),
// except where its script says otherwise. The script is a queue of faults, each consumed by the first request it matches.
public sealed class FakeNode(string name, bool ignoresIdempotency = false)
{
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);
    private readonly FakeGroups _groups = new();
    private readonly List<Fault> _script = [];
    private readonly List<FakeRequest> _requests = [];
    private volatile bool _down;
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _held;
    private int _delivered;

    public string Name { get; } = name;
    public bool IgnoresIdempotency { get; } = ignoresIdempotency;
    public bool IsDown => _down;

    public IReadOnlySet<string> Groups => _groups.Snapshot();
    public bool Has(string groupId) => Groups.Contains(groupId);

    // A group that was there before the test's operation (created by nobody the Api knows).
    public void Seed(params string[] groupIds)
    {
        foreach (var id in groupIds)
        {
            _groups.Create(id, null);
        }
    }

    // A group created by the write with this Idempotency-Key (as if an operation's create had reached the node).
    public void SeedCreatedBy(string groupId, string key) => _groups.Create(groupId, key);

    // Late and frozen requests wait for this; each then runs as if it had just arrived.
    public void OpenGate() => _gate.TrySetResult();

    // How many late or frozen requests are waiting or were let through, and how many of them have been answered since.
    public int HeldCount => Volatile.Read(ref _held);
    public int DeliveredCount => Volatile.Read(ref _delivered);

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
        try
        {
            return await AnswerAsync(request, fault, path, groupId, key, token, ct);
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
        HttpRequestMessage request, Fault fault, string path, string? groupId, string? key, long? token, CancellationToken ct)
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
                _ = DeliverLateAsync(answers, request.Method, path, groupId, key, token);
                await HangAsync(ct);
                break;
        }

        var answer = Route(answers, request.Method, path, groupId, key, token);
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
        FakeAnswers answers, HttpMethod method, string path, string? groupId, string? key, long? token)
    {
        var trimmed = path.TrimEnd('/');
        // The seed's node knows neither keys nor tokens (nor the abort route).
        var (honouredKey, honouredToken) = IgnoresIdempotency ? (null, null) : (key, token);
        return (method.Method, trimmed) switch
        {
            ("GET", "") => answers.Info(),
            ("GET", "/v1/groups") => answers.List(_groups.Snapshot()),
            ("GET", _) when groupId is not null => answers.Read(groupId, _groups.Read(groupId)),
            ("POST", "/v1/group") when groupId is not null => _groups.Create(groupId, honouredKey, honouredToken) switch
            {
                (FakeWrite.AlreadySo, _) or (FakeWrite.Replayed, FakeWrite.AlreadySo) => answers.Exists(),
                (FakeWrite.Fenced, _) => answers.Fenced(),
                (FakeWrite.Aborted, _) => answers.Aborted(),
                var (result, _) => answers.Group(groupId, HttpStatusCode.Created, result == FakeWrite.Replayed),
            },
            ("DELETE", "/v1/group") when groupId is not null => _groups.Delete(groupId, honouredKey, honouredToken) switch
            {
                (FakeWrite.AlreadySo, _) or (FakeWrite.Replayed, FakeWrite.AlreadySo) => answers.NotFound(),
                (FakeWrite.Fenced, _) => answers.Fenced(),
                (FakeWrite.Aborted, _) => answers.Aborted(),
                var (result, _) => answers.Group(groupId, HttpStatusCode.OK, result == FakeWrite.Replayed),
            },
            ("POST", _) when !IgnoresIdempotency && trimmed.EndsWith("/abort", StringComparison.Ordinal) && key is not null
                => _groups.Abort(AbortedGroup(trimmed), key, token) switch
                {
                    FakeWrite.Fenced => answers.Fenced(),
                    var result => answers.AbortAnswer(AbortedGroup(trimmed), key, result),
                },
            ("DELETE", "/v1/groups") => answers.Cleared(_groups.Clear()),
            _ => answers.BadRequest(),
        };
    }

    private static string AbortedGroup(string path) => Uri.UnescapeDataString(path["/v1/group/".Length..^"/abort".Length]);

    private async Task DeliverLateAsync(FakeAnswers answers, HttpMethod method, string path, string? groupId, string? key, long? token)
    {
        await _gate.Task.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        Route(answers, method, path, groupId, key, token);
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
            ? Uri.UnescapeDataString(path[prefix.Length..].TrimEnd('/'))
            : null;
    }
}
