using ClusterGroups.Api.Model;
namespace ClusterGroups.Api.FanOut;

// The protocol's log lines. One line per operation at Information costs ~a quarter of the Api's CPU per operation
// (measured with the benchmark); a committed operation is in the traces and metrics, so its line is Debug.
public static partial class FanOutLog
{
    public static void Outcome(ILogger logger, OperationState op)
    {
        var level = op.Outcome is Contracts.Operations.Outcome.Committed or Contracts.Operations.Outcome.AlreadySo
            ? LogLevel.Debug
            : LogLevel.Information;
        if (logger.IsEnabled(level))
        {
            LogOutcome(logger, level, op.Id, op.Kind, op.GroupId, op.Outcome, OperationNarrative.Summary(op));
        }
    }

    public static void RollingBack(ILogger logger, OperationState op)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            LogRollingBack(logger, op.Id, op.Kind, op.GroupId, OperationNarrative.Failed(op));
        }
    }

    public static void Compensation(ILogger logger, OperationState op, NodeProgress node)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogCompensation(logger, op.Id, node.Name, node.Compensation, OperationNarrative.Action(op.Kind, node));
        }
    }

    public static void Resumed(ILogger logger, OperationState op)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogResumed(logger, op.Id, op.GroupId, op.Outcome, OperationNarrative.Summary(op));
        }
    }

    public static void TakenOver(ILogger logger, OperationState op) => LogTakenOver(logger, op.Id, op.GroupId, op.Fence);

    public static void TokenBelowNode(ILogger logger, OperationState op, long seen) => LogTokenBelowNode(logger, op.Id, op.GroupId, op.Fence, seen);

    [LoggerMessage(LogLevel.Warning, "Operation {OperationId} ({GroupId}): a node has seen token {Seen} for the group, above this run's {Token}, though no other owner holds the lease (the coordinator's tokens went back: data lost, or its clock stepped back); taking it over again above {Seen}")]
    private static partial void LogTokenBelowNode(ILogger logger, string operationId, string groupId, long token, long seen);

    [LoggerMessage(LogLevel.Warning, "Operation {OperationId} ({GroupId}) was taken over by a later owner; this run (token {Token}) stops writing")]
    private static partial void LogTakenOver(ILogger logger, string operationId, string groupId, long token);

    [LoggerMessage(LogLevel.Information, "Recovery of {OperationId} ({GroupId}): {Outcome}, {Summary}")]
    private static partial void LogResumed(ILogger logger, string operationId, string groupId, Outcome outcome, string summary);

    [LoggerMessage(LogLevel.Warning, "Operation {OperationId} {Kind} {GroupId}: rolling back; failed on {Nodes}")]
    private static partial void LogRollingBack(ILogger logger, string operationId, OperationKind kind, string groupId, string nodes);

    [LoggerMessage(LogLevel.Information, "Operation {OperationId} on {Node}: compensation {Compensation} ({Action})")]
    private static partial void LogCompensation(ILogger logger, string operationId, string node, CompensationState compensation, string action);

    [LoggerMessage("Operation {OperationId} {Kind} {GroupId}: {Outcome}, {Summary}")]
    private static partial void LogOutcome(ILogger logger, LogLevel level, string operationId, OperationKind kind, string groupId, Outcome outcome, string summary);
}
