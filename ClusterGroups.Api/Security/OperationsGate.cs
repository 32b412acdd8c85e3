using System.Threading.RateLimiting;

namespace ClusterGroups.Api.Security;

// Api:MaxConcurrentOperations as one limiter that every create and delete takes a permit of, whether it came alone
// (the "operations" rate-limiting policy on its route) or in a batch (BatchWrites, a permit per write): a batch must
// not run more operations at once than as many single requests could. The rate-limiting middleware drops and disposes
// a partition's limiter once it has been idle for a while; this one is shared, so it never reports itself idle and
// its Dispose is a no-op (it lives as long as the process).
public sealed class OperationsGate(int permits) : RateLimiter
{
    private readonly ConcurrencyLimiter _limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = permits,
        QueueLimit = permits,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    public override TimeSpan? IdleDuration => null;

    public override RateLimiterStatistics? GetStatistics() => _limiter.GetStatistics();

    protected override RateLimitLease AttemptAcquireCore(int permitCount) => _limiter.AttemptAcquire(permitCount);

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        _limiter.AcquireAsync(permitCount, cancellationToken);

    protected override void Dispose(bool disposing)
    {
    }

    protected override ValueTask DisposeAsyncCore() => ValueTask.CompletedTask;
}
