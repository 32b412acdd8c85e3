using System.Globalization;
using ClusterGroups.Contracts;

namespace ClusterGroups.Api.Groups;

// The headers a caller may send with a create or delete: Idempotency-Key (IdempotencyKeys.Rule) and Request-Deadline
// (RFC 3339, UTC). Read before anything is done, so a bad one is a 400 with nothing written.
public sealed record WriteHeaders(string? IdempotencyKey, DateTimeOffset? Deadline)
{
    private static readonly string[] Rfc3339Utc = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    public static (WriteHeaders? Headers, string? Error) Read(HttpRequest request)
    {
        var keys = request.Headers[ApiHeaders.IdempotencyKey];
        var deadlines = request.Headers[ApiHeaders.RequestDeadline];
        return keys.Count > 1 || (keys.Count == 1 && !IdempotencyKeys.IsValid(keys[0])) ? (null, KeyRule)
            : deadlines.Count > 1 ? (null, DeadlineRule)
            : Of(keys.Count == 1 ? keys[0] : null, deadlines.Count == 1 ? deadlines[0] : null);
    }

    // The same two values as a batch's write carries them (BatchWrite), with the same rules.
    public static (WriteHeaders? Headers, string? Error) Of(string? idempotencyKey, string? deadline)
    {
        if (idempotencyKey is not null && !IdempotencyKeys.IsValid(idempotencyKey))
        {
            return (null, KeyRule);
        }

        if (deadline is null)
        {
            return (new WriteHeaders(idempotencyKey, null), null);
        }

        return TryParseUtc(deadline, out var at) ? (new WriteHeaders(idempotencyKey, at), null) : (null, DeadlineRule);
    }

    private static readonly string KeyRule = $"{ApiHeaders.IdempotencyKey} is invalid: one value of {IdempotencyKeys.Rule}.";

    private static readonly string DeadlineRule =
        $"{ApiHeaders.RequestDeadline} is invalid: one RFC 3339 time in UTC, such as 2026-12-04T10:15:30.250Z.";

    private static bool TryParseUtc(string? value, out DateTimeOffset at) =>
        DateTimeOffset.TryParseExact(value, Rfc3339Utc, CultureInfo.InvariantCulture, DateTimeStyles.None, out at)
        && at.Offset == TimeSpan.Zero;
}
