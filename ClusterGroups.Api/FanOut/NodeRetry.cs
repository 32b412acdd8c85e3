using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace ClusterGroups.Api.FanOut;

// What one try of a protocol step says: finished, or try again (after the node's Retry-After, if it gave one).
// Now: the next try is not a resend but a question (what did the write whose answer was lost do?): it goes at once,
// with no backoff. Waiting would only add to the operation's time (a lost answer cost the attempt timeout plus a
// first backoff of BaseDelay before the node was even asked); a node that cannot answer that question either is
// backed off from on the tries after it.
public readonly record struct NodeStep(bool Retry, TimeSpan? RetryAfter, bool Now = false)
{
    public static NodeStep Done => new(false, null);
    public static NodeStep Again(TimeSpan? retryAfter) => new(true, retryAfter);
    public static NodeStep AskAtOnce(TimeSpan? retryAfter) => new(true, retryAfter, Now: true);
}

// The protocol's own retry loop (exponential backoff with jitter, Retry-After honoured), built with Polly.
// It wraps steps whose retry is known to be safe; the HTTP client below it never retries a POST or DELETE.
// Its waits run on the TimeProvider and its jitter draws from Entropy, so the simulator replays them exactly.
public sealed class NodeRetry
{
    private static readonly ResiliencePropertyKey<string> NodeKey = new("clustergroups.node");
    private static readonly ResiliencePropertyKey<Phase> PhaseKey = new("clustergroups.phase");
    private readonly ResiliencePipeline<NodeStep> _pipeline;

    public NodeRetry(IOptions<ClusterOptions> options, FanOutTelemetry telemetry, TimeProvider time, Entropy entropy)
    {
        var settings = options.Value.Resilience;
        _pipeline = new ResiliencePipelineBuilder<NodeStep> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<NodeStep>
            {
                Randomizer = entropy.NextDouble,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result.Retry),
                MaxRetryAttempts = settings.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.BaseDelay,
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result switch
                {
                    { RetryAfter: { } after } => (TimeSpan?)(after < settings.MaxRetryAfter ? after : settings.MaxRetryAfter),
                    { Now: true } => TimeSpan.Zero,
                    _ => null,
                }),
                OnRetry = args =>
                {
                    telemetry.RecordRetry(
                        args.Context.Properties.GetValue(NodeKey, "?"), args.Context.Properties.GetValue(PhaseKey, Phase.Apply));
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    // The first try goes without the pipeline: nearly every step is done at its first try, and the pipeline's context
    // (Polly's shared pool keeps about two per core, so under load each one is new) and its state machines were 8 % of
    // what the Api allocated at c=64 (issue 27's closing note). A step that asks to be tried again enters the pipeline,
    // whose first attempt is that answer replayed, not a second call: the delay it computes from it (Retry-After, "now",
    // or the backoff with its jitter drawn from Entropy), the telemetry and the tries after it are the pipeline's, as
    // when the first try went through it. As there, a caller cancelled before the first try gets
    // OperationCanceledException, and one cancelled during it no further try.
    public async Task ExecuteAsync(
        string node, Phase phase, Func<CancellationToken, ValueTask<NodeStep>> step, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var first = await step(ct);
        if (!first.Retry || ct.IsCancellationRequested)
        {
            return;
        }

        // Polly's own awaits continue on the caller's context (ContinueOnCapturedContext). In the Api there is none, so
        // this changes nothing; in the simulator it keeps every continuation on its scheduler, where the seed orders it
        // (with ConfigureAwait(false) under a SynchronizationContext, .NET hands continuations to the thread pool).
        var context = ResilienceContextPool.Shared.Get(continueOnCapturedContext: true, ct);
        context.Properties.Set(NodeKey, node);
        context.Properties.Set(PhaseKey, phase);
        try
        {
            await _pipeline.ExecuteAsync(static (ctx, tries) => tries.NextAsync(ctx.CancellationToken), context, new Tries(first, step));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    // The pipeline's attempts after a first try made outside it: the first is that try's answer, the rest call the step.
    private sealed class Tries(NodeStep first, Func<CancellationToken, ValueTask<NodeStep>> step)
    {
        private bool _replayed;

        public ValueTask<NodeStep> NextAsync(CancellationToken ct)
        {
            if (_replayed)
            {
                return step(ct);
            }

            _replayed = true;
            return ValueTask.FromResult(first);
        }
    }
}
