using System.Collections.Concurrent;
using ClusterGroups.Tests.Infrastructure;

namespace ClusterGroups.Tests.Security;

public sealed record LoadAnswer(string Phase, string GroupId, int Status, string? MediaType, bool RetryAfter, string Body);

// Callers creating new groups back to back while a test changes the cluster under them; each answer is recorded with
// the phase the test was in when the request was sent.
public sealed class PhasedLoad : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _callers;
    private string _phase;

    public PhasedLoad(Func<HttpClient> api, int callers, string prefix, string firstPhase)
    {
        _phase = firstPhase;
        _callers = [.. Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var client = api();
            for (var i = 0; !_stop.IsCancellationRequested; i++)
            {
                var id = $"{prefix}-{c}-{i}-{Guid.NewGuid():N}"[..40];
                var phase = Volatile.Read(ref _phase);
                using var response = await client.PostGroupAsync(id);
                Answers.Enqueue(new LoadAnswer(phase, id, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType,
                    response.Headers.RetryAfter is not null, await response.Content.ReadAsStringAsync()));
            }
        }))];
    }

    public ConcurrentQueue<LoadAnswer> Answers { get; } = new();

    public void Enter(string phase) => Volatile.Write(ref _phase, phase);

    /// <summary>Waits until <paramref name="count"/> answers sent during <paramref name="phase"/> match.</summary>
    public Task AnsweredAsync(string phase, Func<LoadAnswer, bool> which, int count) =>
        Wait.UntilAsync(() => Task.FromResult(Answers.Count(a => a.Phase == phase && which(a)) >= count), Wait.Resource,
            $"{count} answers during '{phase}'");

    public string Summary() =>
        string.Join(", ", Answers.GroupBy(a => (a.Phase, a.Status)).Select(g => $"{g.Key.Phase} {g.Key.Status}: {g.Count()}"));

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_callers).WaitAsync(Wait.Request);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
            await Task.WhenAny(Task.WhenAll(_callers), Task.Delay(Wait.Request));
        }

        _stop.Dispose();
    }
}
