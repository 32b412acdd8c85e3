using Polly;
using Polly.Simmy;
using Polly.Simmy.Outcomes;

namespace ClusterGroups.Node.Chaos;

// Decides which fault, if any, a request gets, with Polly's chaos strategies: one AddChaosOutcome per fault kind,
// each with a dynamic injection rate read from the live settings and enabled only for the methods in scope.
// The pipeline's own callback answers "no fault"; an injected outcome replaces it.
public sealed class ChaosPipeline
{
    private static readonly ResiliencePropertyKey<string> MethodKey = new("chaos.method");
    private readonly ResiliencePipeline<FaultKind> _pipeline;
    private readonly ChaosController _chaos;

    public ChaosPipeline(ChaosController chaos)
    {
        _chaos = chaos;
        var builder = new ResiliencePipelineBuilder<FaultKind>();
        foreach (var kind in FaultKinds.All)
        {
            builder.AddChaosOutcome(new ChaosOutcomeStrategyOptions<FaultKind>
            {
                EnabledGenerator = args => ValueTask.FromResult(
                    chaos.Settings.Covers(args.Context.Properties.GetValue(MethodKey, ""))),
                InjectionRateGenerator = _ => ValueTask.FromResult(chaos.Settings.RateOf(kind)),
                OutcomeGenerator = _ => ValueTask.FromResult<Outcome<FaultKind>?>(Outcome.FromResult(kind)),
            });
        }

        _pipeline = builder.Build();
    }

    public async ValueTask<FaultKind> DecideAsync(string method, CancellationToken ct)
    {
        // Settings that inject nothing (the usual case) need none of the seven strategies run.
        if (_chaos.InjectsNothing)
        {
            return FaultKind.None;
        }

        var context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(MethodKey, method);
        try
        {
            return await _pipeline.ExecuteAsync(static _ => ValueTask.FromResult(FaultKind.None), context);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
