using ClusterGroups.Api.FanOut;

namespace ClusterGroups.Api.Journal;

// Where operations are recorded: before any node is touched (Begin), as they progress (Save), until closed.
// Entries are JSON (JournalFormat, versioned); readers get fresh copies, never the live state.
// At most one operation per group is open, and it is the group's last: the protocol starts one only after the
// group's last operation closed, under the group's lease. So LastForGroupAsync also answers "is one open here?".
// Begin and Save are owner-checked: they write only while the operation's Fence is the group's current fencing token
// (no later lease on the group was taken), else throw JournalFencedException and change nothing. A paused owner's
// writes are refused once another replica took the operation over.
public interface IOperationJournal
{
    Task BeginAsync(OperationState op, CancellationToken ct);
    Task SaveAsync(OperationState op, CancellationToken ct);
    Task<OperationState?> GetAsync(string operationId, CancellationToken ct);
    Task<IReadOnlyList<OperationState>> ListAsync(bool openOnly, int max, CancellationToken ct);
    Task<IReadOnlyList<OperationState>> ListOpenAsync(CancellationToken ct);
    Task<OperationState?> LastForGroupAsync(string groupId, CancellationToken ct);

    // Operations matching the query, newest first, one page; backed by indexes per group and per outcome.
    Task<OperationPage> SearchAsync(OperationQuery query, CancellationToken ct);
}

// A journal write refused because a later lease on the group was taken: this run no longer owns the operation.
public sealed class JournalFencedException(string operationId)
    : Exception($"The journal refused a write of {operationId}: a later lease on its group was taken.")
{
    public string OperationId { get; } = operationId;
}
