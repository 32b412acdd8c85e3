using ClusterGroups.Api.Model;
using ClusterGroups.Contracts;

namespace ClusterGroups.Api.Nodes;

// The node contract as the Api speaks it (docs/ARCHITECTURE.md, "Node HTTP contract"). Every call returns a NodeCall,
// never throws for a node's failure: the protocol decides what an answer means. NodeClient speaks it over HTTP; the
// simulator speaks it over its simulated network to simulated nodes that run the node's real scripts.
public interface INodeClient
{
    // POST /v1/group/ with the write's Idempotency-Key and fencing token.
    Task<NodeCall> CreateAsync(ClusterNode node, string groupId, string idempotencyKey, long token, CancellationToken ct);

    // DELETE /v1/group/ with the write's Idempotency-Key and fencing token.
    Task<NodeCall> DeleteAsync(ClusterNode node, string groupId, string idempotencyKey, long token, CancellationToken ct);

    // POST /v1/group/{id}/abort: closes the door on the write with this key at this node (our nodes only); the answer
    // says what that write had done there (AbortOutcome), or that a later operation fenced this one.
    Task<NodeCall> AbortAsync(ClusterNode node, string groupId, string idempotencyKey, long token, CancellationToken ct);

    // POST /v1/group/{id}/takeover: fences the group at `token` (no earlier owner's write applies any more), and tells
    // the group's presence (Present, WrittenBy) and the records of the apply and undo keys (ApplyRecord, UndoRecord).
    Task<NodeCall> TakeOverAsync(ClusterNode node, string groupId, string applyKey, string undoKey, long token, CancellationToken ct);

    // GET /v1/group/{id}/ : Present is true (200), false (404), or null when the node gave no answer.
    Task<NodeCall> ReadAsync(ClusterNode node, string groupId, CancellationToken ct);

    // GET /: who the node is; KeysHonoured tells our nodes from the seed's.
    Task<(NodeInfo? Info, NodeCall Call)> InfoAsync(ClusterNode node, CancellationToken ct);

    // GET /v1/digest: null with the call when the node keeps none (404: the seed's) or did not answer.
    Task<(NodeDigest? Digest, NodeCall Call)> DigestAsync(ClusterNode node, TimeSpan timeout, CancellationToken ct);

    Task<(NodeBucket? Bucket, NodeCall Call)> BucketAsync(ClusterNode node, int bucket, TimeSpan timeout, CancellationToken ct);

    // GET /v1/groups?cursor=&limit=. A node that knows no pages (the seed's) answers its whole list as one last page.
    Task<(NodeGroupPage? Page, NodeCall Call)> PageAsync(ClusterNode node, string cursor, int limit, TimeSpan timeout, CancellationToken ct);

    Task<(NodeGroupList? Groups, NodeCall Call)> ListAsync(ClusterNode node, TimeSpan timeout, CancellationToken ct);
}
