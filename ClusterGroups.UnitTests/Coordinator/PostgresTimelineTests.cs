using ClusterGroups.Api.Coordinator.Postgres;

namespace ClusterGroups.UnitTests.Coordinator;

// The highest timeline an Api has seen only grows: an answer from an older primary (or one read late, by a slower
// statement) must never lower it, or the old primary would be trusted again.
public sealed class PostgresTimelineTests
{
    [Fact]
    public void A_lower_timeline_seen_later_leaves_the_highest_as_it_was()
    {
        var timeline = new PostgresTimeline();
        Assert.Equal(0, timeline.Highest);
        timeline.Saw(2);
        timeline.Saw(1);
        Assert.Equal(2, timeline.Highest);
        timeline.Saw(3);
        Assert.Equal(3, timeline.Highest);
    }

    [Fact]
    public async Task Concurrent_answers_leave_the_highest_of_them()
    {
        var timeline = new PostgresTimeline();
        await Task.WhenAll(Enumerable.Range(1, 8).Select(worker => Task.Run(() =>
        {
            for (var t = 1; t <= 10_000; t++)
            {
                timeline.Saw(worker % 2 == 0 ? t : 10_001 - t);
            }
        }))).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(10_000, timeline.Highest);
    }
}
