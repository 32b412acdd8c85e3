using System.Diagnostics.Metrics;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ClusterGroups.UnitTests.FanOut;

// The protocol's retry loop (NodeRetry): a step done at its first try never enters the Polly pipeline; one that asks
// to be tried again gets the pipeline's delays (Retry-After first) and its count of tries, as before.
public sealed class NodeRetryTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    [Fact]
    public async Task Steps_done_at_their_first_try_take_no_retry_context_even_when_many_are_in_flight()
    {
        var retry = Retry(TimeProvider.System);
        const int InFlight = 64;

        // One thread starts them all, then ends them all (continuations run inline on it): its own allocations are
        // the steps' and the retry loop's, whatever other tests do meanwhile. Twice: the first warms up the code.
        var perStep = await Task.Run(() =>
        {
            var bytes = 0L;
            for (var round = 0; round < 2; round++)
            {
                var answers = Enumerable.Range(0, InFlight).Select(_ => new TaskCompletionSource<NodeStep>()).ToArray();
                var before = GC.GetAllocatedBytesForCurrentThread();
                var runs = answers.Select(a => retry.ExecuteAsync("n1", Phase.Apply, _ => new ValueTask<NodeStep>(a.Task), CancellationToken.None)).ToArray();
                foreach (var answer in answers)
                {
                    answer.SetResult(NodeStep.Done);
                }

                bytes = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.All(runs, r => Assert.True(r.IsCompletedSuccessfully));
            }

            return bytes / InFlight;
        }).WaitAsync(Wait.Request);

        // The retry loop's own state machine and the step's delegate and task: a few hundred bytes. Through the
        // pipeline each in-flight step also took a context of its own (Polly's pool keeps about two per core) and
        // the pipeline's state machines: 1 478 bytes a step here, against 361 without.
        Assert.InRange(perStep, 0, 600);
    }

    [Fact]
    public async Task A_step_that_asks_again_waits_the_Retry_After_of_its_first_try()
    {
        var time = new FakeTimeProvider();
        var retry = Retry(time);
        using var retries = Retries();
        var calls = 0;

        var run = retry.ExecuteAsync("n1", Phase.Apply, _ =>
        {
            calls++;
            return ValueTask.FromResult(calls == 1 ? NodeStep.Again(TimeSpan.FromMilliseconds(500)) : NodeStep.Done);
        }, CancellationToken.None);

        // The first try answered at once, so its wait is on the clock already.
        Assert.Equal(1, calls);
        time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.Equal(1, calls);
        Assert.False(run.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await run.WaitAsync(Wait.Request);

        Assert.Equal(2, calls);
        Assert.Equal(1, retries.Count);
    }

    [Fact]
    public async Task A_step_that_asks_again_at_every_try_is_tried_MaxAttempts_times()
    {
        var retry = Retry(TimeProvider.System);
        using var retries = Retries();
        var calls = 0;

        await retry.ExecuteAsync("n1", Phase.Apply, _ =>
        {
            calls++;
            return ValueTask.FromResult(NodeStep.AskAtOnce(null));
        }, CancellationToken.None).WaitAsync(Wait.Request);

        Assert.Equal(new ResilienceSettings().MaxAttempts, calls);
        Assert.Equal(calls - 1, retries.Count);
    }

    [Fact]
    public async Task A_caller_cancelled_before_the_first_try_is_refused_and_no_try_is_made()
    {
        var retry = Retry(TimeProvider.System);
        var calls = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => retry.ExecuteAsync("n1", Phase.Apply, _ =>
        {
            calls++;
            return ValueTask.FromResult(NodeStep.Done);
        }, new CancellationToken(canceled: true)));

        Assert.Equal(0, calls);
    }

    private NodeRetry Retry(TimeProvider time) => new(
        Options.Create(new ClusterOptions()), new FanOutTelemetry(_services.GetRequiredService<IMeterFactory>()), time, new Entropy());

    // The retries this test's telemetry counted (its own meter factory: other tests' meters are not listened to).
    private RetryCount Retries() => new(_services.GetRequiredService<IMeterFactory>());

    public void Dispose() => _services.Dispose();

    private sealed class RetryCount : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public RetryCount(IMeterFactory factory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "clustergroups.node.retries" && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
