namespace ClusterGroups.Simulation.Keyspace;

// The data: string, hash, set and sorted-set keys, each with an optional expiry (unix ms) judged on the injected
// clock. Lazily expired, as Redis does on access: a key whose time has passed is removed when it is next looked at,
// and never seen. The clock is read once per command or script (Now, frozen for its whole run, as Redis freezes it in
// a script), so a script sees one instant. Not thread-safe: InProcessStore runs one command or script at a time.
internal sealed class RedisKeyspace(TimeProvider time)
{
    private Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public TimeProvider Time { get; } = time;

    // Unix ms of the command or script being run.
    public long Now { get; private set; }

    public void Tick() => Now = Time.GetUtcNow().ToUnixTimeMilliseconds();

    public object? Find(string key) => Live(key)?.Value;

    // The key's value of type T, or null if it does not exist; another type is a WRONGTYPE error.
    public T? Find<T>(string key) where T : class => Find(key) switch
    {
        null => null,
        T value => value,
        _ => throw new CommandException(RedisErrors.WrongType),
    };

    public T FindOrAdd<T>(string key) where T : class, new()
    {
        if (Find<T>(key) is { } value)
        {
            return value;
        }

        var added = new T();
        _entries[key] = new Entry(added);
        return added;
    }

    // A new value under the key, any type, without expiry (SET).
    public void Put(string key, object value, long? expiresAt = null) => _entries[key] = new Entry(value) { ExpiresAt = expiresAt };

    // A string's new text, its expiry kept (INCR).
    public void Replace(string key, string text)
    {
        if (Live(key) is { } entry)
        {
            entry.Value = text;
        }
        else
        {
            _entries[key] = new Entry(text);
        }
    }

    public bool Delete(string key) => Live(key) is not null && _entries.Remove(key);

    // Redis removes a collection when its last member goes.
    public void DeleteIfEmpty(string key, int count)
    {
        if (count == 0)
        {
            _entries.Remove(key);
        }
    }

    // HDEL, SREM, ZREM: how many of the members were there; the key goes with its last member.
    public int RemoveMembers<T>(string key, IEnumerable<string> members, Func<T, string, bool> remove, Func<T, int> count)
        where T : class
    {
        if (Find<T>(key) is not { } collection)
        {
            return 0;
        }

        var removed = members.Count(member => remove(collection, member));
        DeleteIfEmpty(key, count(collection));
        return removed;
    }

    public bool Exists(string key) => Live(key) is not null;

    // Null: no expiry. The key must exist.
    public long? ExpiresAt(string key) => Live(key)?.ExpiresAt;

    public void Expire(string key, long? at)
    {
        if (Live(key) is { } entry)
        {
            entry.ExpiresAt = at;
        }
    }

    // The live keys, in MemberSlot order (not the order they were written in).
    public IEnumerable<string> Keys =>
        _entries.Where(e => !IsExpired(e.Value)).Select(e => MemberSlot.Of(e.Key)).Order(MemberSlotComparer.Instance).Select(s => s.Member).ToList();

    public KeyspaceSnapshot Snapshot() => new(Copy(_entries));

    public void Restore(KeyspaceSnapshot snapshot) => _entries = Copy(snapshot.Entries);

    private Entry? Live(string key)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (IsExpired(entry))
        {
            _entries.Remove(key);
            return null;
        }

        return entry;
    }

    // Redis' keyIsExpired: past its time, not at it.
    private bool IsExpired(Entry entry) => entry.ExpiresAt is { } at && Now > at;

    private static Dictionary<string, Entry> Copy(Dictionary<string, Entry> entries) =>
        entries.ToDictionary(e => e.Key, e => e.Value.Clone(), StringComparer.Ordinal);

    internal sealed class Entry(object value)
    {
        public object Value { get; set; } = value;
        public long? ExpiresAt { get; set; }

        public Entry Clone() => new(Value switch
        {
            HashTable hash => hash.Clone(),
            SetTable set => set.Clone(),
            SortedSetTable zset => zset.Clone(),
            var text => text,
        }) { ExpiresAt = ExpiresAt };
    }
}

// A command's error reply, thrown from deep in a command (WRONGTYPE) and turned into its reply by KeyspaceCommands.
internal sealed class CommandException(string message) : Exception(message);
