using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;

namespace ClusterGroups.Api.FanOut;

// How every node call of the protocol is made: in its own span, recorded on the node's progress (the journal keeps
// it) and in the metrics. A write (create, delete, abort) goes out only while the run's lease holds, and a node's
// "fenced" answer stops the run: a later owner has the operation (OperationTakenOverException).
public sealed class NodeCalls(INodeClient client, FanOutTelemetry telemetry, TimeProvider time)
{
    public INodeClient Client => client;

    public async Task<NodeCall> CallAsync(NodeTurn turn, Phase phase, int attempt, Func<Task<NodeCall>> send)
    {
        using var activity = FanOutTelemetry.StartCall(phase, attempt, turn.Node.Name);
        var call = await send();
        turn.Progress.Record(new CallRecord(phase, attempt, call, time.GetUtcNow()));
        telemetry.RecordCall(activity, turn.Node.Name, phase, call);
        return call;
    }

    public async Task<NodeCall> WriteAsync(NodeTurn turn, Phase phase, int attempt, Func<Task<NodeCall>> send)
    {
        if (!await turn.Run.Lease.IsHeldAsync())
        {
            throw new OperationTakenOverException(turn.Op.Id, "its lease was lost");
        }

        var call = await CallAsync(turn, phase, attempt, send);
        return call.Fenced
            ? throw new OperationTakenOverException(turn.Op.Id, $"{turn.Node.Name} holds a later fencing token ({call.SeenToken?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "not said"})") { SeenToken = call.SeenToken }
            : call;
    }
}

// Thrown inside a run that must stop writing: a later owner has the operation. SeenToken: a node refused the run's
// token and said the highest it has seen for the group (the run may still hold the lease: FanOutProtocol.RetakeAboveAsync).
public sealed class OperationTakenOverException(string operationId, string why)
    : Exception($"Operation {operationId} was taken over: {why}.")
{
    public long? SeenToken { get; init; }
}
