using ClusterGroups.Api.Model;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using ClusterGroups.Api.Nodes;

namespace ClusterGroups.Api.FanOut;

// Spans: one per operation, a child per node step (apply, verify, compensate) and per call.
// Metrics: operations by outcome, node call latency, retries, compensations.
public sealed class FanOutTelemetry : IDisposable
{
    public const string Name = "ClusterGroups.FanOut";
    public static readonly ActivitySource Source = new(Name);

    private readonly Meter _meter;
    private readonly Counter<long> _operations;
    private readonly Histogram<double> _callDuration;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _compensations;
    private readonly Counter<long> _recoveries;

    public FanOutTelemetry(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(Name);
        _operations = _meter.CreateCounter<long>("clustergroups.operations", "{operation}", "Operations by kind and outcome");
        _callDuration = _meter.CreateHistogram<double>("clustergroups.node.call.duration", "ms", "Node call latency");
        _retries = _meter.CreateCounter<long>("clustergroups.node.retries", "{retry}", "Node calls sent again");
        _compensations = _meter.CreateCounter<long>("clustergroups.compensations", "{compensation}", "Rollback steps by result");
        _recoveries = _meter.CreateCounter<long>("clustergroups.recoveries", "{recovery}", "Open operations taken over by recovery");
    }

    public static Activity? StartOperation(Operation op)
    {
        var name = $"{op.Kind.ToString().ToLowerInvariant()} {op.GroupId}";
        // The request that runs the operation is the trace's root: it takes the operation's name (QuietTracing).
        if (Activity.Current is { Kind: ActivityKind.Server } request)
        {
            request.SetTag(QuietTracing.SpanNameTag, name);
        }

        var activity = Source.StartActivity(name);
        activity?.SetTag("clustergroups.operation.id", op.Id);
        activity?.SetTag("clustergroups.operation.kind", op.Kind.ToString());
        activity?.SetTag("clustergroups.group.id", op.GroupId);
        return activity;
    }

    // A recovery's span links to the trace of the operation it takes over.
    public static Activity? StartRecovery(OperationState op)
    {
        var links = ActivityContext.TryParse(op.TraceParent, null, out var original) ? [new ActivityLink(original)] : Array.Empty<ActivityLink>();
        var activity = Source.StartActivity(ActivityKind.Internal, links: links, name: $"recover {op.GroupId}");
        activity?.SetTag("clustergroups.operation.id", op.Id);
        return activity;
    }

    public static Activity? StartRollback(OperationState op)
    {
        var activity = Source.StartActivity($"rollback {op.GroupId}");
        activity?.SetTag("clustergroups.operation.id", op.Id);
        return activity;
    }

    public static Activity? StartNodeStep(Phase phase, string node)
    {
        var activity = Source.StartActivity($"{PhaseNames.Of(phase)} {node}");
        activity?.SetTag("clustergroups.node", node);
        activity?.SetTag("clustergroups.phase", PhaseNames.Of(phase));
        return activity;
    }

    public static Activity? StartCall(Phase phase, int attempt, string node)
    {
        var activity = Source.StartActivity($"{PhaseNames.Of(phase)} #{attempt} {node}");
        activity?.SetTag("clustergroups.node", node);
        activity?.SetTag("clustergroups.phase", PhaseNames.Of(phase));
        return activity;
    }

    public void RecordCall(Activity? activity, string node, Phase phase, NodeCall call)
    {
        activity?.SetTag("http.response.status_code", call.Status);
        activity?.SetTag("clustergroups.call.error", call.Error?.ToString());
        if (call.Status is null or >= 500)
        {
            activity?.SetStatus(ActivityStatusCode.Error, call.ToString());
        }

        _callDuration.Record(call.DurationMs,
            new("node", node), new("request", call.Request), new("phase", PhaseNames.Of(phase)),
            new("status", call.Status?.ToString() ?? call.Error?.ToString()));
    }

    public void RecordRetry(string node, Phase phase) => _retries.Add(1, new("node", node), new("phase", PhaseNames.Of(phase)));

    public void RecordCompensation(Activity? activity, string node, CompensationState state)
    {
        activity?.SetTag("clustergroups.compensation", state.ToString());
        _compensations.Add(1, new("node", node), new("result", state.ToString()));
    }

    public void RecordRecovery(Outcome from) => _recoveries.Add(1, new KeyValuePair<string, object?>("from", from.ToString()));

    public void ObserveOpenOperations(Func<long> count) =>
        _meter.CreateObservableGauge("clustergroups.operations.open", count, "{operation}", "Operations running or pending repair");

    public void RecordOutcome(OperationState op)
    {
        _operations.Add(1, new("kind", op.Kind.ToString()), new("outcome", op.Outcome.ToString()));
        Activity.Current?.SetTag("clustergroups.outcome", op.Outcome.ToString());
        if (op.Outcome is Outcome.RolledBack or Outcome.PendingRepair)
        {
            Activity.Current?.SetStatus(ActivityStatusCode.Error, OperationNarrative.Summary(op));
        }
    }

    /// <summary>
    /// Whether a node's HTTP status is an answer about the group rather than a failure: "exists" (400) to a create,
    /// "not found" (404) to a delete or a read. The protocol counts these as "already so"; their client spans must
    /// not be drawn as errors (HTTP instrumentation marks every 4xx of a client call so).
    /// </summary>
    public static bool IsStateAnswer(HttpMethod method, int status) =>
        (method == HttpMethod.Post && status == 400) || (method != HttpMethod.Post && status == 404);

    public void Dispose() => _meter.Dispose();
}
