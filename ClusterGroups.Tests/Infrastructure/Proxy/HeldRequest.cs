namespace ClusterGroups.Tests.Infrastructure.Proxy;

/// <summary>A write the proxy keeps in the network: the test sees it arrive, releases it, and sees the Api's answer to it.</summary>
public sealed class HeldRequest
{
    private readonly TaskCompletionSource<ProxyRequest> _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<ProxyExchange> _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the request reaches the proxy (it is then held).</summary>
    public Task<ProxyRequest> Arrived => _arrived.Task;

    /// <summary>Completes with the Api's answer once the released request was forwarded.</summary>
    public Task<ProxyExchange> Answered => _answered.Task;

    internal Task Released => _released.Task;

    public void Release() => _released.TrySetResult();

    internal void Arrive(ProxyRequest request) => _arrived.TrySetResult(request);

    internal void Answer(ProxyExchange exchange) => _answered.TrySetResult(exchange);
}
