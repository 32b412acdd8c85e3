namespace ClusterGroups.Simulation.Keyspace;

// Where a member of a hash or a set stands: a 63-bit FNV-1a hash of its bytes, ties broken by ordinal order. Redis
// hands out its hash table's order, which no caller may rely on; this one is as arbitrary but depends on the members
// alone, never on the history of writes, so the same contents always read back in the same order (a script's
// pairs() order, which Lua 5.4 seeds per state, cannot leak into a reply or a scan). The position doubles as the
// scan cursor (MemberTable.Scan).
internal readonly record struct MemberSlot(ulong Position, string Member)
{
    public const ulong End = ulong.MaxValue;

    public static ulong PositionOf(string member)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in member)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash >> 1;
    }

    public static MemberSlot Of(string member) => new(PositionOf(member), member);
}

internal sealed class MemberSlotComparer : IComparer<MemberSlot>
{
    public static readonly MemberSlotComparer Instance = new();

    public int Compare(MemberSlot x, MemberSlot y)
    {
        var byPosition = x.Position.CompareTo(y.Position);
        return byPosition != 0 ? byPosition : string.CompareOrdinal(x.Member, y.Member);
    }
}
