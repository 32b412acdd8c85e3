using StackExchange.Redis;

namespace ClusterGroups.Tests.Infrastructure;

// How the soaks check an answer the moment it is given: what it says every node's store holds of the id now, and
// whether the stores agree (each caller owns its ids, so nothing else changes them meanwhile).
public static class AnswerCheck
{
    /// <summary>What the id must be on every node after this answer; null: unknown while a repair is pending.</summary>
    public static bool? Expected(string? outcome, bool create, bool? before) => outcome switch
    {
        "Committed" or "AlreadySo" => create,
        "RolledBack" or "Busy" => before,
        _ => null,
    };

    /// <summary>Null when every store holds what the answer says (or it says nothing sure); else what they hold.</summary>
    public static async Task<string?> DisagreementAsync(IReadOnlyList<IDatabase> stores, string id, bool? expected)
    {
        if (expected is not { } present)
        {
            return null;
        }

        var actual = await Task.WhenAll(stores.Select(db => db.HashExistsAsync("groups", id)));
        return actual.Any(a => a != present) ? $"stores hold [{string.Join(", ", actual)}]" : null;
    }
}
