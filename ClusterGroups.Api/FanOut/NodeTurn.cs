using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;

namespace ClusterGroups.Api.FanOut;

// One node's part of one protocol step: the run it belongs to, the node, what the operation knows of it, and the
// step's cancellation.
public sealed record NodeTurn(OperationRun Run, ClusterNode Node, NodeProgress Progress, CancellationToken Ct)
{
    public OperationState Op => Run.Operation;
}
