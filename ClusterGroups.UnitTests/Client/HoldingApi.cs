using ClusterGroups.Contracts;

namespace ClusterGroups.UnitTests.Client;

// Holds every request until it is cancelled: an Api that never answers. Thread-safe (a client's tries may overlap).
internal sealed class HoldingApi : HttpMessageHandler
{
    private int _tries;

    public TaskCompletionSource Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string? Key { get; private set; }

    public string? Deadline { get; private set; }

    public int Tries => Volatile.Read(ref _tries);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        Key = request.Header(ApiHeaders.IdempotencyKey);
        Deadline = request.Header(ApiHeaders.RequestDeadline);
        Interlocked.Increment(ref _tries);
        Arrived.TrySetResult();
        await Task.Delay(Timeout.InfiniteTimeSpan, ct);
        throw new InvalidOperationException("not reached");
    }
}
