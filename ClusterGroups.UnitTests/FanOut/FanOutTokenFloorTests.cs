using static ClusterGroups.UnitTests.FanOut.ReportAssert;

namespace ClusterGroups.UnitTests.FanOut;

// Issue 23, "a token below what a node has seen": the coordinator hands out a token below one a node has already
// seen for the group (the in-memory lock mode restarted after the clock stepped back; tokens lost with the
// coordinator's data). No other owner exists, yet every node refused the token, and the group was blocked for good
// ("taken over by another Api replica"). The node's refusal says the highest token it has seen (X-Fenced); the Api
// takes the operation over again above it, through the coordinator's own rule (tokens only grow), and answers what
// that run made true. The nodes run the real node scripts (FakeNode: GroupStore in an in-process store).
public sealed class FanOutTokenFloorTests
{
    [Fact]
    public async Task A_coordinator_whose_tokens_went_back_takes_a_token_above_the_nodes_and_the_group_is_not_blocked()
    {
        await using var a = FanOutHarness.Start(3);
        var created = await a.CreateAsync("g1");
        HasOutcome(created, Outcome.Committed);

        // The in-memory lock mode restarted after the clock stepped back an hour: it proposes tokens from a clock
        // behind the one that fenced the nodes, and knows none of them.
        await using var b = a.WithNewCoordinator();
        b.Clock.Offset = TimeSpan.FromHours(-1);

        // Every node refuses the first token; the operation is taken over above the nodes' and learned anew: the
        // delete had applied nowhere, so it is rolled back, and the answer says so (the group is on every node).
        var refused = await b.DeleteAsync("g1");
        HasOutcome(refused, Outcome.RolledBack);
        Everywhere(b.Cluster, "g1");
        Assert.True(refused.Fence > created.Fence, $"token {refused.Fence}, the nodes had seen {created.Fence}");
        Assert.Empty(await b.Journal.ListOpenAsync(CancellationToken.None));
        Assert.Equal(Outcome.RolledBack, (await b.Journal.GetAsync(refused.Id, CancellationToken.None))?.Outcome);

        // The group's token in the coordinator is now above the nodes': the next operation runs.
        var deleted = await b.DeleteAsync("g1");
        HasOutcome(deleted, Outcome.Committed);
        Nowhere(b.Cluster, "g1");
    }
}
