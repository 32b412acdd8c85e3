using ClusterGroups.Api.Model;

namespace ClusterGroups.Api.FanOut;

// A node's record of one key, as our nodes keep and tell it: "<write>:<result>", e.g. "create:applied",
// "delete:alreadyso", "abort:aborted" (docs/ARCHITECTURE.md, "Node HTTP contract").
public static class KeyRecords
{
    // What the write of `kind` with that key did: applied, already so, or not applied (no record, aborted, or a write
    // of the other kind: it never applies).
    public static NodeEffect Effect(string? record, OperationKind kind)
    {
        var colon = record?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (record is null || colon < 0 || record[..colon] != (kind == OperationKind.Create ? "create" : "delete"))
        {
            return NodeEffect.NotApplied;
        }

        return record[(colon + 1)..] switch
        {
            "applied" => NodeEffect.Applied,
            "alreadyso" => NodeEffect.AlreadySo,
            _ => NodeEffect.NotApplied,
        };
    }
}
