using System.Globalization;
using ClusterGroups.Api.Model;

namespace ClusterGroups.Api.Coordinator;

// A search of the journal (GET /v1/operations): newest first, every filter optional, a page at a time.
public sealed record OperationQuery(string? GroupId, bool OpenOnly, Outcome? Outcome, DateTimeOffset? Since, int Limit, OperationCursor? After)
{
    // Only operations asked for by this caller (the key's name, OperationState.Caller). An init property rather than a
    // positional one, so the searches that do not filter by caller stay as they are written.
    public string? Caller { get; init; }

    public bool Matches(OperationState op) =>
        (GroupId is null || op.GroupId == GroupId)
        && (!OpenOnly || op.IsOpen)
        && (Outcome is null || op.Outcome == Outcome)
        && (Since is null || op.StartedAt >= Since)
        && (Caller is null || string.Equals(op.Caller, Caller, StringComparison.Ordinal));
}

// Where a page ended: the last operation's start (ms) and id. Opaque to callers ("1764583200000.op-…"); the next page
// starts after it, also among operations that started in the same millisecond (ordered by id, descending).
public sealed record OperationCursor(long StartedAtMs, string OperationId)
{
    public static OperationCursor Of(OperationState op) => new(op.StartedAt.ToUnixTimeMilliseconds(), op.Id);

    public bool IsAfter(long startedAtMs, string operationId) =>
        startedAtMs < StartedAtMs || (startedAtMs == StartedAtMs && string.CompareOrdinal(operationId, OperationId) < 0);

    public override string ToString() => $"{StartedAtMs.ToString(CultureInfo.InvariantCulture)}.{OperationId}";

    public static bool TryParse(string? text, out OperationCursor? cursor)
    {
        cursor = null;
        var dot = text?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (text is null || dot <= 0 || dot == text.Length - 1
            || !long.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            return false;
        }

        cursor = new OperationCursor(ms, text[(dot + 1)..]);
        return true;
    }
}

public sealed record OperationPage(IReadOnlyList<OperationState> Operations, OperationCursor? Next)
{
    // One page of the matches among `operations` (a set small enough to read whole), newest first.
    public static OperationPage Of(IEnumerable<OperationState> operations, OperationQuery query)
    {
        var matches = operations.Where(query.Matches)
            .Where(op => query.After is null || query.After.IsAfter(op.StartedAt.ToUnixTimeMilliseconds(), op.Id))
            .OrderByDescending(op => op.StartedAt.ToUnixTimeMilliseconds()).ThenByDescending(op => op.Id, StringComparer.Ordinal)
            .Take(query.Limit + 1)
            .ToList();
        var page = matches.Take(query.Limit).ToList();
        return new OperationPage(page, matches.Count > query.Limit ? OperationCursor.Of(page[^1]) : null);
    }
}
