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
        var fault = _down ? Fault.ConnectionRefused() : Take(request.Method);
        if (fault.Kind == FaultKind.Down)
        {
            _down = true;
        }

        var path = request.RequestUri!.AbsolutePath;
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(ct);
        var groupId = body.Length > 0 ? GroupRequestReader.Parse(body).GroupId : GroupFromPath(path);
        var key = request.Headers.TryGetValues(NodeHeaders.IdempotencyKey, out var keys) ? keys.Single() : null;
        try
        {
            return await AnswerAsync(request, fault, path, groupId, key, ct);
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
        HttpRequestMessage request, Fault fault, string path, string? groupId, string? key, CancellationToken ct)
    {
        var answers = new FakeAnswers(Name, IgnoresIdempotency, request);
        switch (fault.Kind)
        {
            case FaultKind.ConnectionRefused or FaultKind.Down:
                throw new HttpRequestException(HttpRequestError.ConnectionError, $"{Name}: connection refused (scripted)");
            case FaultKind.Status500BeforeApply:
                return answers.ServerError();
            case FaultKind.TimeoutBeforeApply:
                await HangAsync(ct);
                break;
            case FaultKind.Slow:
                await Task.Delay(fault.DelayMs, ct);
                break;
        }

        var answer = Route(answers, request.Method, path, groupId, key);
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

    private HttpResponseMessage Route(FakeAnswers answers, HttpMethod method, string path, string? groupId, string? key)
    {
        var trimmed = path.TrimEnd('/');
        var honouredKey = IgnoresIdempotency ? null : key;
        return (method.Method, trimmed) switch
        {
            ("GET", "") => answers.Info(),
            ("GET", "/v1/groups") => answers.List(_groups.Snapshot()),
            ("GET", _) when groupId is not null => answers.Read(groupId, _groups.Read(groupId)),
            ("POST", "/v1/group") when groupId is not null => _groups.Create(groupId, honouredKey) switch
            {
                FakeWrite.AlreadySo => answers.Exists(),
                var result => answers.Group(groupId, HttpStatusCode.Created, result == FakeWrite.Replayed),
            },
            ("DELETE", "/v1/group") when groupId is not null => _groups.Delete(groupId, honouredKey) switch
            {
                FakeWrite.AlreadySo => answers.NotFound(),
                var result => answers.Group(groupId, HttpStatusCode.OK, result == FakeWrite.Replayed),
            },
            ("DELETE", "/v1/groups") => answers.Cleared(_groups.Clear()),
            _ => answers.BadRequest(),
        };
    }

    private Fault Take(HttpMethod method)
    {
        lock (_script)
        {
            var index = _script.FindIndex(f => f.Matches(method));
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
        return path.StartsWith(prefix, StringComparison.Ordinal)
            ? Uri.UnescapeDataString(path[prefix.Length..].TrimEnd('/'))
            : null;
    }
}
