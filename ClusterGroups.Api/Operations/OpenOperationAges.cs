using ClusterGroups.Api.Model;
using ClusterGroups.Api.FanOut;

namespace ClusterGroups.Api.Operations;

// The open operations by how long they have been open, for the gauges and the health check.
public sealed record OpenOperationAges(IReadOnlyDictionary<string, int> ByAge, TimeSpan? OldestPendingRepair)
{
    public static readonly OpenOperationAges None = new(new Dictionary<string, int>(), null);

    // Buckets an alert rule can name: "anything open for more than 5 minutes".
    public static readonly (string Name, TimeSpan Below)[] Buckets =
    [
        ("lt_1m", TimeSpan.FromMinutes(1)),
        ("1m_5m", TimeSpan.FromMinutes(5)),
        ("5m_1h", TimeSpan.FromHours(1)),
        ("ge_1h", TimeSpan.MaxValue),
    ];

    public static OpenOperationAges Of(IEnumerable<OperationState> open, DateTimeOffset now)
    {
        var byAge = Buckets.ToDictionary(b => b.Name, _ => 0);
        TimeSpan? oldest = null;
        foreach (var op in open)
        {
            var age = now - op.StartedAt;
            byAge[Buckets.First(b => age < b.Below).Name]++;
            if (op.Outcome == Outcome.PendingRepair && (oldest is null || age > oldest))
            {
                oldest = age;
            }
        }

        return new OpenOperationAges(byAge, oldest);
    }
}
