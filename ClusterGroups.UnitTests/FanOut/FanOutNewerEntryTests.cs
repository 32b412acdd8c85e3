using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Coordinator.Redis;
using ClusterGroups.Api.Journal;
using ClusterGroups.Api.Model;
using ClusterGroups.Simulation.Keyspace;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using static ClusterGroups.UnitTests.FanOut.ReportAssert;

namespace ClusterGroups.UnitTests.FanOut;

// A rolling upgrade (issue 28): a newer Api rewrote an open operation in a journal version this one cannot read. This
// replica leaves it to them: its recovery round lists and finishes the others and does not fail; what needs that entry
// is refused with NewerJournalEntryException (503 at the Api), nothing done on any node.
public sealed class FanOutNewerEntryTests : IDisposable
{
    private readonly InProcessStore _store = new(TimeProvider.System);

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Recovery_leaves_an_entry_a_newer_Api_wrote_and_finishes_the_others()
    {
        var coordinator = new RedisCoordinator(_store, Options.Create(new CoordinatorOptions()));
        await using var h = FanOutHarness.Start(3, coordinator);
        h[0].Script(Fault.Status500BeforeApply(HttpMethod.Delete), 1_000);
        h[2].GoDown();
        var newer = await h.CreateAsync("g1");
        var older = await h.CreateAsync("g2");
        HasOutcome(newer, Outcome.PendingRepair);
        HasOutcome(older, Outcome.PendingRepair);
        var entry = (string)(await _store.ExecuteAsync("GET", $"cg:op:{newer.Id}"))!;
        await _store.ExecuteAsync("SET", $"cg:op:{newer.Id}", System.Text.RegularExpressions.Regex.Replace(entry, "\"journalVersion\":\\d+", "\"journalVersion\":4"));

        Assert.Equal([older.Id], (await coordinator.ListOpenAsync(CancellationToken.None)).Select(o => o.Id));
        var unreadable = await Assert.ThrowsAsync<NewerJournalEntryException>(() => coordinator.GetAsync(newer.Id, CancellationToken.None));
        Assert.Equal((4, newer.Id), (unreadable.Version, unreadable.OperationId));

        h[0].ClearScript();
        h[2].ComeUp();
        Assert.Equal(1, await h.Recovery.RunOnceAsync(CancellationToken.None, now: true).WaitAsync(FanOutHarness.OperationTimeout));
        Assert.False((await coordinator.GetAsync(older.Id, CancellationToken.None))!.IsOpen);
        Nowhere(h.Cluster, "g2");

        // The newer one is as the newer Api left it: still open, its entry untouched, g1 still where it was.
        Assert.True((bool)await _store.ExecuteAsync("SISMEMBER", "cg:ops:open", newer.Id));
        Assert.Contains("\"journalVersion\":4", (string)(await _store.ExecuteAsync("GET", $"cg:op:{newer.Id}"))!, StringComparison.Ordinal);
        Presence(h.Cluster, "g1", true, false, false);

        // A new operation on g1 must first finish the open one, which this Api cannot read: refused, nothing done.
        await Assert.ThrowsAsync<NewerJournalEntryException>(() => h.Protocol.RunAsync(OperationKind.Delete, "g1", CancellationToken.None)
            .WaitAsync(FanOutHarness.OperationTimeout));
        Presence(h.Cluster, "g1", true, false, false);
    }
}
