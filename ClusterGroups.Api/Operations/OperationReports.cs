using ClusterGroups.Api.Model;
using ClusterGroups.Api.FanOut;

namespace ClusterGroups.Api.Operations;

// The one mapping from an operation's state (live, or read back from the journal) to what callers are answered.
public static class OperationReports
{
    public static OperationReport From(OperationState op) => new(
        op.Id, op.Kind, op.GroupId, op.Outcome, OperationNarrative.Summary(op), op.StartedAt, op.EndedAt, op.DurationMs,
        op.Owner, op.Recoveries,
        [
            .. op.Nodes.Select(n =>
            {
                var calls = n.Calls;
                return new NodeReport(n.Name, n.Effect, n.Compensation, OperationNarrative.Action(op.Kind, n), calls.Count,
                    n.DurationMs,
                    [
                        .. calls.Select(c => new CallReport(c.Phase, c.Attempt,
                            new CallAnswer(c.Call.Request, c.Call.Status, c.Call.Error, c.Call.Detail, c.Call.DurationMs,
                                c.Call.RetryAfter?.TotalMilliseconds), c.At)),
                    ]);
            }),
        ],
        op.Caller, op.Actions.Count == 0 ? null : [.. op.Actions], op.Epoch);
}
