using ClusterGroups.Tests.Infrastructure;
using ClusterGroups.Web.Security;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Security;

// README "Rotating keys", done with traffic running: every node is given [old, new], the Api switched to send new,
// then every node given [new] only — by rewriting SecretsFiles, no restart. Not one operation may fail meanwhile.
[Collection(SecureClusterCollection.Name)]
public sealed class KeyRotationTests(SecureClusterFixture cluster, ITestOutputHelper output)
{
    private const int Callers = 4;

    [Fact]
    public async Task The_cluster_key_rotates_under_load_without_a_failed_operation()
    {
        var old = cluster.CurrentClusterKey;
        var next = $"ck{Guid.NewGuid():N}";
        await using var load = new PhasedLoad(() => cluster.Api(cluster.WriteKey), Callers, "rot", "before");
        Task AnsweredInAsync(string phase)
        {
            load.Enter(phase);
            return load.AnsweredAsync(phase, _ => true, 2 * Callers);
        }

        await AnsweredInAsync("before");

        // 1. Every node accepts both keys.
        foreach (var node in cluster.NodeNames)
        {
            cluster.WriteNodeKeys(node, old, next);
            await Wait.UntilAsync(() => AcceptsAsync(node, next), Wait.Resource, $"{node} accepts the new key");
            Assert.True(await AcceptsAsync(node, old), $"{node} still accepts the old key");
        }

        await AnsweredInAsync("both accepted");

        // 2. The Api sends the new key (its log names the key it sends by fingerprint).
        cluster.WriteApiSecrets(next);
        var fingerprint = KeyFingerprint.Of(next);
        await Wait.UntilAsync(() => Task.FromResult(cluster.Logs.Any(l => l.Contains($"Sending cluster key {fingerprint}", StringComparison.Ordinal))),
            Wait.Resource, "the api sends the new key");
        await AnsweredInAsync("api switched");

        // 3. The old key is withdrawn, node by node.
        foreach (var node in cluster.NodeNames)
        {
            cluster.WriteNodeKeys(node, next);
            await Wait.UntilAsync(async () => !await AcceptsAsync(node, old), Wait.Resource, $"{node} refuses the old key");
        }

        cluster.CurrentClusterKey = next;
        await AnsweredInAsync("old withdrawn");
        await load.StopAsync();

        var answers = load.Answers.ToList();
        output.WriteLine(load.Summary());
        Assert.All(answers, a => Assert.True(a.Status == 201, $"{a.Phase}: {a.Status} {a.Body}"));
        foreach (var node in cluster.NodeNames)
        {
            Assert.True(await AcceptsAsync(node, next), $"{node} accepts the new key");
            var groups = await cluster.Node(node).GroupIdsAsync();
            Assert.All(answers, a => Assert.Contains(a.GroupId, groups));
        }
    }

    // An authenticated read (the chaos settings) tells whether the node takes this key, without changing anything.
    private async Task<bool> AcceptsAsync(string node, string key)
    {
        var client = cluster.NodeAnonymous(node);
        client.DefaultRequestHeaders.Add(SecurityHeaders.ClusterKey, key);
        var response = await client.GetAsync("/admin/chaos").WaitAsync(Wait.Request);
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized, $"{node}: {(int)response.StatusCode}");
        return response.StatusCode == HttpStatusCode.OK;
    }
}
