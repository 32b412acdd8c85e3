using ClusterGroups.Tests.Infrastructure;
using ClusterGroups.Web.Startup;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;

namespace ClusterGroups.UnitTests.Startup;

// docs/ARCHITECTURE.md, "Cold start": the start waits for the warm-up steps (up to WarmUpService.StartLimit), and the
// "warm-up" health check is Unhealthy, naming what is still cold, until every step has succeeded once.
public sealed class WarmUpTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_start_waits_for_a_step_and_health_is_unhealthy_until_it_is_done()
    {
        var store = new GatedStep("store");
        var state = new WarmUpState();
        using var service = new WarmUpService([store, new GatedStep("node client", open: true)], state, NullLogger<WarmUpService>.Instance);

        var start = service.StartAsync(CancellationToken.None);
        await store.Entered.Task.WaitAsync(Limit);
        Assert.False(start.IsCompleted, "the start went on while a step was still running");
        // The open step runs on the thread pool beside the closed one: the state names only the store once it is done.
        await Wait.UntilAsync(() => Task.FromResult(state.Pending.SequenceEqual(["store"])), Limit, "only the store still warming");
        var cold = await CheckAsync(state);
        Assert.Equal(HealthStatus.Unhealthy, cold.Status);
        Assert.Equal("warming up: store", cold.Description);

        store.Open();
        await start.WaitAsync(Limit);
        Assert.Equal(HealthStatus.Healthy, (await CheckAsync(state)).Status);
        await service.StopAsync(CancellationToken.None).WaitAsync(Limit);
    }

    [Fact]
    public async Task A_step_that_keeps_failing_does_not_hold_the_start_and_is_retried_until_it_succeeds()
    {
        var store = new GatedStep("store", failWhileClosed: true);
        var state = new WarmUpState();
        using var service = new WarmUpService([store], state, NullLogger<WarmUpService>.Instance);

        await service.StartAsync(CancellationToken.None).WaitAsync(WarmUpService.StartLimit + Limit);
        Assert.Equal(HealthStatus.Unhealthy, (await CheckAsync(state)).Status);
        // Retried in the background, a second after each failure (bounded: a starved thread pool may take longer).
        await Wait.UntilAsync(() => Task.FromResult(store.Attempts > 1), Limit, "a second attempt of the failing step");

        store.Open();
        // The next retry comes within WarmUpService's retry delay.
        await Wait.UntilAsync(async () => (await CheckAsync(state)).Status == HealthStatus.Healthy, Limit, "healthy");
        await service.StopAsync(CancellationToken.None).WaitAsync(Limit);
    }

    private static Task<HealthCheckResult> CheckAsync(WarmUpState state) =>
        new WarmUpHealthCheck(state).CheckHealthAsync(new HealthCheckContext());

    // A step that waits (or fails) until the test opens it. Called by the service from one loop per step, read by the
    // test: the counter is interlocked.
    private sealed class GatedStep(string name, bool open = false, bool failWhileClosed = false) : IWarmUp
    {
        private readonly TaskCompletionSource _gate = NewGate(open);
        private int _attempts;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Attempts => Volatile.Read(ref _attempts);
        public string Name => name;

        public void Open() => _gate.TrySetResult();

        public async Task RunAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref _attempts);
            Entered.TrySetResult();
            if (failWhileClosed && !_gate.Task.IsCompleted)
            {
                throw new InvalidOperationException($"{name} is not there yet");
            }

            await _gate.Task.WaitAsync(ct);
        }

        private static TaskCompletionSource NewGate(bool open)
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (open)
            {
                gate.SetResult();
            }

            return gate;
        }
    }
}
