using System.Text.Json;
using ClusterGroups.Api.Model;

namespace ClusterGroups.Api.Journal;

// How every coordinator stores the membership: {"epoch": 3, "members": [{"name": "node1", "role": "Active"}, ...]}.
// The epoch is also kept where the start step can compare it without parsing (a hash field, a column).
public static class MembershipFormat
{
    public static string Write(Membership membership) => JsonSerializer.Serialize(membership, JournalJson.Default.Membership);

    public static Membership? Read(string? json) =>
        string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize(json, JournalJson.Default.Membership);
}
