namespace ClusterGroups.Api.Coordinator.Postgres;

// The highest timeline on which this Api has seen a primary answer. A promotion starts a new, higher timeline; a primary
// paused before it and resumed after it still runs on the old one, not in recovery, and takes writes the promoted one
// will never have (docs/ARCHITECTURE.md, "A PostgreSQL coordinator", hazard 7). PostgresCoordinator sends Highest with
// each statement (cg.check_timeline, Migrations/0006): such a primary refuses before the statement runs, and an
// answer's timeline raises Highest. One per Api process, shared by its coordinators, and kept in memory only: the
// old primary's own copy of any row could never say more than its own timeline (ARCHITECTURE says why no more).
public sealed class PostgresTimeline
{
    // The SQLSTATE of cg.check_timeline's refusal.
    public const string OlderTimeline = "CGT01";

    private long _highest;

    // 0 until a primary has answered: nothing refused.
    public long Highest => Interlocked.Read(ref _highest);

    // Never lowers it: a lower timeline is the refused one, and it never gets this far.
    public void Saw(long timeline)
    {
        var highest = Highest;
        while (timeline > highest)
        {
            var was = Interlocked.CompareExchange(ref _highest, timeline, highest);
            if (was == highest)
            {
                return;
            }

            highest = was;
        }
    }
}
