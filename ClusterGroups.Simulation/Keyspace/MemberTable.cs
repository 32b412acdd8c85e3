namespace ClusterGroups.Simulation.Keyspace;

// The members of a hash (with their values) or a set, kept in MemberSlot order.
internal abstract class MemberTable<TValue>
{
    private readonly Dictionary<string, TValue> _values;
    private readonly SortedSet<MemberSlot> _order;

    protected MemberTable()
    {
        _values = new Dictionary<string, TValue>(StringComparer.Ordinal);
        _order = new SortedSet<MemberSlot>(MemberSlotComparer.Instance);
    }

    protected MemberTable(MemberTable<TValue> copy)
    {
        _values = new Dictionary<string, TValue>(copy._values, StringComparer.Ordinal);
        _order = new SortedSet<MemberSlot>(copy._order, MemberSlotComparer.Instance);
    }

    public int Count => _values.Count;

    public bool Contains(string member) => _values.ContainsKey(member);

    public bool TryGetValue(string member, out TValue value) => _values.TryGetValue(member, out value!);

    // True when the member is new.
    public bool Set(string member, TValue value)
    {
        var added = !_values.ContainsKey(member);
        _values[member] = value;
        if (added)
        {
            _order.Add(MemberSlot.Of(member));
        }

        return added;
    }

    public bool Remove(string member)
    {
        if (!_values.Remove(member))
        {
            return false;
        }

        _order.Remove(MemberSlot.Of(member));
        return true;
    }

    public IEnumerable<KeyValuePair<string, TValue>> Ordered =>
        _order.Select(slot => KeyValuePair.Create(slot.Member, _values[slot.Member]));

    // One page of a scan: the members from position `cursor` on, at least `count` of them unless the end comes first,
    // and every member of the last position taken (a page ends only between two positions, since the next cursor is
    // the position after it). Next is 0 after the last page. Every member present for a whole walk is returned once.
    public (ulong Next, List<KeyValuePair<string, TValue>> Page) Scan(ulong cursor, int count)
    {
        var page = new List<KeyValuePair<string, TValue>>();
        if (cursor >= MemberSlot.End)
        {
            return (0, page);
        }

        ulong? last = null;
        foreach (var slot in _order.GetViewBetween(new MemberSlot(cursor, ""), new MemberSlot(MemberSlot.End, "")))
        {
            if (page.Count >= count && slot.Position != last)
            {
                return (last!.Value + 1, page);
            }

            page.Add(KeyValuePair.Create(slot.Member, _values[slot.Member]));
            last = slot.Position;
        }

        return (0, page);
    }
}

internal sealed class HashTable : MemberTable<string>
{
    public HashTable()
    {
    }

    private HashTable(HashTable copy) : base(copy)
    {
    }

    public HashTable Clone() => new(this);
}

internal sealed class SetTable : MemberTable<bool>
{
    public SetTable()
    {
    }

    private SetTable(SetTable copy) : base(copy)
    {
    }

    public SetTable Clone() => new(this);
}
