using ClusterGroups.Api.Model;

namespace ClusterGroups.Api.Journal;

// How one coordinator client reads and writes journal entries: as this process's protocol version does
// (JournalFormat.ReadsUpTo, set once at start), or as one given version, where replicas of two versions share one
// process (the simulator's rolling upgrade). Not sealed: the simulator plants an older replica that misreads newer
// entries, to show that it finds one.
public class JournalCodec(int? readsUpTo = null)
{
    public static readonly JournalCodec Process = new();

    public int ReadsUpTo => readsUpTo ?? JournalFormat.ReadsUpTo;

    public virtual OperationState? Read(string json) => JournalFormat.Read(json, ReadsUpTo);

    public virtual OperationState? ReadOrSkipNewer(string json) => JournalFormat.ReadOrSkipNewer(json, ReadsUpTo);

    public byte[] WriteUtf8(OperationState op) => JournalFormat.WriteUtf8(op, ReadsUpTo);
}
