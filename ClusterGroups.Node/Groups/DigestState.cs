namespace ClusterGroups.Node.Groups;

// A node's digest as read in one script, with what it must cover: Groups is the number of groups the store holds
// (HLEN), Rebuilding whether a rebuild is under way. The digest is trusted only if no rebuild is under way and its
// counts add up to Groups: groups put in the store without the node (a restore, a migration, data from before
// digests) are in no bucket, and a digest that misses them would call a cluster consistent that is not.
public sealed record DigestState(int[] Counts, string[] Hashes, long Groups, bool Rebuilding)
{
    public long Total => Counts.Sum(c => (long)c);

    public bool Trusted => !Rebuilding && Total == Groups;
}
