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
        if (keys.Count > 1 || (keys.Count == 1 && !IdempotencyKeys.IsValid(keys[0])))
        {
            return (null, $"{ApiHeaders.IdempotencyKey} is invalid: one value of {IdempotencyKeys.Rule}.");
        }

        var deadlines = request.Headers[ApiHeaders.RequestDeadline];
        DateTimeOffset? deadline = null;
        if (deadlines.Count > 0)
        {
            if (deadlines.Count > 1 || !TryParseUtc(deadlines[0], out var at))
            {
                return (null, $"{ApiHeaders.RequestDeadline} is invalid: one RFC 3339 time in UTC, such as 2026-12-04T10:15:30.250Z.");
            }

            deadline = at;
        }

        return (new WriteHeaders(keys.Count == 1 ? keys[0] : null, deadline), null);
    }

    private static bool TryParseUtc(string? value, out DateTimeOffset at) =>
        DateTimeOffset.TryParseExact(value, Rfc3339Utc, CultureInfo.InvariantCulture, DateTimeStyles.None, out at)
        && at.Offset == TimeSpan.Zero;
}
