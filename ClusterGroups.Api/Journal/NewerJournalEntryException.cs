using System.Text.Json;

namespace ClusterGroups.Api.Journal;

// A journal entry written by a newer Api (a rolling upgrade: replicas of two versions share one coordinator). This
// replica cannot read it, so it must not act on it: lists leave it out (recovery leaves it to a replica that can read
// it), a request that needs it is answered 503 (NewerJournalEntryHandler), never a 500 and never a guess.
public sealed class NewerJournalEntryException(int version, string? operationId, int readable)
    : JsonException($"Journal entry {operationId ?? "(no id)"} has version {version}, newer than this Api ({readable}) can read.")
{
    public int Version { get; } = version;

    public string? OperationId { get; } = operationId;

    public int Readable { get; } = readable;
}
