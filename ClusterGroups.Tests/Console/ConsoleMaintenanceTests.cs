using System.Text.Json.Nodes;
using ClusterGroups.Tests.Infrastructure;
using ClusterGroups.Tests.Maintenance;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Console;

// The console's membership section in a real browser (ConsoleBrowser): an operator drains two nodes of three from it,
// is shown the Api's 409 (ProblemDetails) when draining the last active one, rejoins both and sees them active again,
// each step checked against the membership the Api gives; a read key's page offers no change. On the maintenance app:
// membership changes are the whole cluster's state (MaintenanceFixture).
[Collection(MaintenanceCollection.Name)]
public sealed class ConsoleMaintenanceTests(MaintenanceFixture cluster, ITestOutputHelper output)
{
    [SkippableFact]
    public async Task An_operator_drains_and_rejoins_nodes_from_the_console_and_is_shown_the_refusal_of_draining_the_last_one()
    {
        ConsoleBrowser.Require();
        var api = cluster.Api();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var before = await MembershipAsync(api);
        Assert.All(cluster.NodeNames, n => Assert.Equal("Active", Role(before, n)));
        var epoch = before["epoch"]!.GetValue<long>();

        using var driver = ConsoleBrowser.Start("console.maintenance.test.mjs", cluster, output,
            new Dictionary<string, string> { ["READ_KEY"] = cluster.ReadKey });
        try
        {
            var ready = await driver.ReadStepAsync("READY", cts.Token);
            Assert.Equal(epoch, ready["admin"]!["epoch"]!.GetValue<long>());
            Assert.Contains("admin", ready["admin"]!["caller"]!.GetValue<string>());
            Assert.All(cluster.NodeNames, n => Assert.Equal(["Drain"], Buttons(ready["admin"]!, n)));
            // A read key sees the membership and no button to change it.
            Assert.Equal("key reader: read", ready["reader"]!["caller"]!.GetValue<string>());
            Assert.All(cluster.NodeNames, n => Assert.Equal("Active", ready["reader"]!["roles"]![n]!.GetValue<string>()));
            Assert.All(cluster.NodeNames, n => Assert.Empty(Buttons(ready["reader"]!, n)));

            // Drain node3, then node2: each a new epoch, the node Out for the Api and on the page, offered back.
            foreach (var node in new[] { "node3", "node2" })
            {
                var drained = await StepAsync(driver, $"DRAIN {node}", cts.Token);
                var membership = await MembershipAsync(api);
                Assert.Equal(200, drained["status"]!.GetValue<int>());
                Assert.Equal("Out", Role(membership, node));
                Assert.Equal(++epoch, membership["epoch"]!.GetValue<long>());
                Assert.Equal($"drain {node}: Out at epoch {epoch}", drained["result"]!.GetValue<string>());
                Assert.Equal(epoch, drained["epoch"]!.GetValue<long>());
                Assert.Equal("Out", drained["roles"]![node]!.GetValue<string>());
                Assert.Equal(["Rejoin", "Remove"], Buttons(drained, node));
            }

            // node1 is the last active node: the Api refuses (409) and the page says why; nothing changed.
            var refused = await StepAsync(driver, "DRAIN node1", cts.Token);
            Assert.Equal(409, refused["status"]!.GetValue<int>());
            Assert.True(refused["error"]!.GetValue<bool>());
            Assert.Equal("drain node1 refused (409 Membership change refused): 'node1' is the last active node: draining it would leave no node to read as truth.",
                refused["result"]!.GetValue<string>());
            var unchanged = await MembershipAsync(api);
            Assert.Equal(epoch, unchanged["epoch"]!.GetValue<long>());
            Assert.Equal("Active", Role(unchanged, "node1"));

            // Rejoin both: Joining at once (202), backfilled, then Active for the Api and on the page.
            foreach (var node in new[] { "node2", "node3" })
            {
                var rejoined = await StepAsync(driver, $"REJOIN {node}", cts.Token);
                Assert.Equal(202, rejoined["status"]!.GetValue<int>());
                Assert.StartsWith($"rejoin {node}: Joining at epoch ", rejoined["result"]!.GetValue<string>());
                Assert.NotEqual("Out", Role(await MembershipAsync(api), node));
            }

            await Wait.UntilAsync(() => AllActiveAsync(api), TimeSpan.FromMinutes(3), "node2 and node3 active again");
            var after = await MembershipAsync(api);
            await driver.WriteAsync($"SHOW {after["epoch"]!.GetValue<long>()}");
            var shown = await driver.ReadStepAsync("SHOWN", cts.Token);
            Assert.Equal(after["epoch"]!.GetValue<long>(), shown["epoch"]!.GetValue<long>());
            Assert.All(cluster.NodeNames, n => Assert.Equal(["Drain"], Buttons(shown, n)));
        }
        finally
        {
            // Whatever happened, the app's next test finds every node in.
            await RejoinAllAsync(api);
        }
    }

    private static async Task<JsonNode> StepAsync(ConsoleDriver driver, string command, CancellationToken ct)
    {
        await driver.WriteAsync(command);
        return await driver.ReadStepAsync("ANSWERED", ct);
    }

    private static async Task<JsonNode> MembershipAsync(HttpClient api) =>
        await (await api.GetAsync("/v1/cluster/membership").WaitAsync(Wait.Request)).JsonAsync();

    private static string? Role(JsonNode membership, string node) =>
        membership["members"]!.AsArray().FirstOrDefault(m => m!["name"]!.GetValue<string>() == node)?["role"]?.GetValue<string>();

    private static string[] Buttons(JsonNode page, string node) => [.. page["buttons"]![node]!.AsArray().Select(b => b!.GetValue<string>())];

    private async Task RejoinAllAsync(HttpClient api)
    {
        var membership = await MembershipAsync(api);
        foreach (var node in cluster.NodeNames.Where(n => Role(membership, n) == "Out"))
        {
            await api.PostAsync($"/v1/cluster/nodes/{node}/rejoin", null).WaitAsync(Wait.Request);
        }

        await Wait.UntilAsync(() => AllActiveAsync(api), TimeSpan.FromMinutes(3), "every node active again");
    }

    private async Task<bool> AllActiveAsync(HttpClient api)
    {
        var membership = await MembershipAsync(api);
        return cluster.NodeNames.All(n => Role(membership, n) == "Active");
    }
}
