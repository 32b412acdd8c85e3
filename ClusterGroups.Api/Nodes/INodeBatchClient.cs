using ClusterGroups.Api.Model;
using ClusterGroups.Contracts;

namespace ClusterGroups.Api.Nodes;

// POST /v1/groups/batch (our nodes): several writes in one request, each answered as its single call would be.
// NodeClient speaks it over HTTP; BatchingNodeClient decides when to use it.
public interface INodeBatchClient
{
    // Items: one NodeCall per item, read as its single call's answer is; null (with the batch request's own call) when
    // the node did not answer the batch item by item: then what that call says holds for every item.
    Task<(IReadOnlyList<NodeCall>? Items, NodeCall Call)> BatchAsync(ClusterNode node, IReadOnlyList<NodeBatchItem> items, CancellationToken ct);
}
