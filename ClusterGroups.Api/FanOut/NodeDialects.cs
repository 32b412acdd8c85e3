using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.FanOut;

// Which dialect the protocol speaks with a node, chosen once per node: as configured (Cluster:Dialects:<node>), else
// by a probe (GET /: our nodes answer with X-Idempotency-Supported) made the first time an operation needs the node,
// recorded among that operation's calls. An operation journals the dialect of each node it spoke to, and a recovery
// speaks the journaled one, whatever the node is known as since.
public sealed class NodeDialects(KeyedDialect keyed, SeedDialect seed, NodeCalls calls, IOptions<ClusterOptions> options)
{
    // The dialect for this node in this operation; null when it is not known (the probe got no answer): then nothing
    // may be written to the node.
    public async Task<NodeDialect?> ForAsync(NodeTurn turn)
    {
        var name = turn.Progress.Dialect ?? turn.Node.Dialect ?? Configured(turn.Node) ?? await ProbeAsync(turn);
        if (name is null)
        {
            return null;
        }

        turn.Node.Dialect ??= name;
        turn.Progress.SpeakWith(name);
        return name == SeedDialect.Id ? seed : keyed;
    }

    // Whether the node honours Idempotency-Keys and fencing tokens, outside any operation (a drain asks it): its dialect
    // as learned or configured, else a probe now, whose answer is kept as an operation's would be; null when it cannot
    // be told (the probe got no answer).
    public async Task<bool?> HonoursKeysAsync(ClusterNode node, CancellationToken ct)
    {
        var name = node.Dialect ?? Configured(node);
        if (name is null)
        {
            name = DialectOf((await calls.Client.InfoAsync(node, ct)).Call);
            node.Dialect ??= name;
        }

        return name is null ? null : name == KeyedDialect.Id;
    }

    private string? Configured(ClusterNode node) =>
        options.Value.Dialects.TryGetValue(node.Name, out var name) && name is KeyedDialect.Id or SeedDialect.Id ? name : null;

    private async Task<string?> ProbeAsync(NodeTurn turn)
    {
        var call = await calls.CallAsync(turn, Phase.Probe, 1, async () => (await calls.Client.InfoAsync(turn.Node, turn.Ct)).Call);
        return DialectOf(call);
    }

    // What a probe's answer (GET /) says: our nodes send X-Idempotency-Supported; no answer tells nothing.
    private static string? DialectOf(NodeCall call) => call.Status is 200 ? (call.KeysHonoured ? KeyedDialect.Id : SeedDialect.Id) : null;
}
