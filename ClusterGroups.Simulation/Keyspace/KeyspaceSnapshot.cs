namespace ClusterGroups.Simulation.Keyspace;

// A deep copy of a store's keyspace at one moment (InProcessStore.Snapshot): what a restarted store would come back
// with, e.g. its last durable state. Restoring copies it again, so one snapshot can be restored any number of times.
public sealed class KeyspaceSnapshot
{
    internal KeyspaceSnapshot(Dictionary<string, RedisKeyspace.Entry> entries) => Entries = entries;

    internal Dictionary<string, RedisKeyspace.Entry> Entries { get; }

    public int KeyCount => Entries.Count;
}
