
namespace ClusterGroups.Api.Model;

// One HTTP call to one node, as it happened: what was asked, what came back, how long it took, and what the protocol
// learned from it (never stored as such: the journal and the answers keep their own records of a call).
public sealed record NodeCall(
    string Request,
    int? Status,
    CallError? Error,
    string? Detail,
    double DurationMs,
    bool Replayed = false,
    bool? Present = null,
    TimeSpan? RetryAfter = null,
    string? WrittenBy = null,
    bool Fenced = false,
    bool WriteAborted = false,
    string? AbortOutcome = null,
    bool KeysHonoured = false,
    string? Code = null,
    string? ApplyRecord = null,
    string? UndoRecord = null,
    long? SeenToken = null)
{
    // Fenced: the node refused the write because a later operation's token reached it (the answer is 409).
    // SeenToken: with Fenced, the highest token the node has seen for the group (X-Fenced), when it says.
    // WriteAborted: the node refused the write because its key was aborted there; it never applies.
    // AbortOutcome: on an abort, what the aborted write had done (AbortAnswer.Aborted / Applied / AlreadySo).
    // WrittenBy: on a read, the Idempotency-Key of the write that made the group present (X-Created-By) or absent
    // (X-Deleted-By), when the node tells.
    // KeysHonoured: the answer carried X-Idempotency-Supported (our nodes; a probe decides the node's dialect by it).
    // Code: the machine-readable reason of a refusal our nodes give (NodeCodes.Exists), beside the words of Detail.
    // ApplyRecord, UndoRecord: on a takeover, what the operation's apply and undo keys did on the node, as its records
    // say ("create:applied", "abort:aborted", ...; UndoRecord null when the undo key was never used).
    // Nothing reached the node: safe to send again.
    public bool NotSent => Error is CallError.ConnectionRefused or CallError.CircuitOpen;

    public override string ToString() =>
        Status is { } s ? $"{Request} -> {s}{(Detail is null ? "" : $" ({Detail})")}" : $"{Request} -> {Error}: {Detail}";
}
