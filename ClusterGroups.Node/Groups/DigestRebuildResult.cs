namespace ClusterGroups.Node.Groups;

// POST /admin/digest/rebuild: the groups the store holds and the digest's total after the rebuild (Trusted: they
// agree, and no other rebuild is under way); how many ids went into their bucket sets, how many left them; how often
// a bucket was read again because a create added to it meanwhile.
public sealed record DigestRebuildResult(
    string NodeId, long Groups, long DigestTotal, bool Trusted, int Added, int Removed, int Rereads, double DurationMs);
