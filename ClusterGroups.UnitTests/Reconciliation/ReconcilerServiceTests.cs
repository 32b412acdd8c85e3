using ClusterGroups.Api.Reconciliation;
using ClusterGroups.Tests.Infrastructure;
using ClusterGroups.UnitTests.FanOut;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ClusterGroups.UnitTests.Reconciliation;

// The background reconciler compares the nodes with each other every Interval and with the journal only every
// AuditInterval (the audit reads every desired state): its schedule, on a fake clock.
public sealed class ReconcilerServiceTests
{
    [Fact]
    public async Task Rounds_audit_against_the_journal_only_once_the_audit_interval_passed()
    {
        await using var h = FanOutHarness.Start(3);
        await h.CreateAsync("g1");
        await h.CreateAsync("g2");
        foreach (var node in h.Cluster.Nodes)
        {
            node.Remove("g1"); // every node lost it: only the audit sees it
        }

        h[0].Remove("g2"); // the nodes differ: every round repairs it, after g1 (groups in order)

        var clock = new FakeTimeProvider();
        var options = Options.Create(new ReconcilerOptions { Interval = TimeSpan.FromSeconds(1), AuditInterval = TimeSpan.FromHours(1) });
        using var service = new ReconcilerService(h.NewReconciler(), options, clock, NullLogger<ReconcilerService>.Instance);
        await service.StartAsync(CancellationToken.None);
        // The service starts its timer on a thread of its own: the clock moves a second each time the wait looks, until
        // what is waited for is seen (a few seconds of fake time, far from the hour).
        Task<bool> After(Func<bool> seen)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            return Task.FromResult(seen());
        }

        try
        {
            await Wait.UntilAsync(() => After(() => h[0].Has("g2")), FanOutHarness.OperationTimeout, "a round repairs g2");
            // An audit in that round would have put g1 back before g2.
            Assert.All(h.Cluster.Nodes, n => Assert.False(n.Has("g1"), n.Name));
            Assert.True(clock.GetUtcNow() - clock.Start < TimeSpan.FromMinutes(30));

            clock.Advance(TimeSpan.FromHours(1));
            await Wait.UntilAsync(() => After(() => h.Cluster.Nodes.All(n => n.Has("g1"))), FanOutHarness.OperationTimeout,
                "the round after the audit interval puts g1 back on every node");
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
        }
    }
}
