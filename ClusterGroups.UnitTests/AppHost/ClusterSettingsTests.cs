using ClusterGroups.AppHost.Cluster;
using Microsoft.Extensions.Configuration;

namespace ClusterGroups.UnitTests.AppHost;

// The AppHost stops at start with one clear sentence naming the fix, instead of hanging (Aspire waits forever for a
// container runtime that is not running).
public sealed class ClusterSettingsTests
{
    private static ClusterSettings Read(params (string Key, string Value)[] settings) =>
        ClusterSettings.Read(
            new ConfigurationBuilder().AddInMemoryCollection(settings.ToDictionary(s => s.Key, s => (string?)s.Value)).Build(),
            Path.GetTempPath());

    [Fact]
    public void Defaults_are_three_garnet_nodes_with_a_coordinator()
    {
        var settings = Read(("Cluster:DataDir", Path.Combine(Path.GetTempPath(), "cg-settings")));
        Assert.Equal(3, settings.Nodes);
        Assert.Equal(StoreKind.Garnet, settings.Store);
        Assert.True(settings.Coordinator);
        Assert.Equal(1, settings.ApiReplicas);
        Assert.True(settings.DurableAcks);
    }

    [Theory]
    [InlineData("Cluster:Store", "mongo", "Cluster:Store is 'mongo'; use garnet")]
    [InlineData("Cluster:Nodes", "0", "Cluster:Nodes is '0'; give a whole number from 1 to 32")]
    [InlineData("Cluster:Nodes", "many", "Cluster:Nodes is 'many'")]
    [InlineData("Cluster:ApiReplicas", "9", "Cluster:ApiReplicas is '9'")]
    [InlineData("Cluster:Coordinator", "maybe", "Cluster:Coordinator is 'maybe'")]
    [InlineData("Cluster:DurableAcks", "sometimes", "Cluster:DurableAcks is 'sometimes'; give true")]
    public void A_bad_setting_is_one_sentence_that_names_the_fix(string key, string value, string expected)
    {
        var error = Assert.Throws<ClusterConfigurationException>(() => Read((key, value)));
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Several_replicas_need_the_coordinator()
    {
        var error = Assert.Throws<ClusterConfigurationException>(() => Read(("Cluster:ApiReplicas", "2"), ("Cluster:Coordinator", "false")));
        Assert.Contains("needs Cluster:Coordinator=true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Redis_containers_without_a_running_engine_stop_at_once_and_say_how_to_go_on()
    {
        // No Docker engine runs on this kind of machine (the docker client may be installed): the check must say so
        // instead of letting Aspire wait forever. On a machine where an engine does run, the setting is accepted.
        try
        {
            Assert.Equal(StoreKind.Redis, Read(("Cluster:Store", "redis")).Store);
        }
        catch (ClusterConfigurationException error)
        {
            Assert.Equal("Cluster:Store=redis needs a running Docker engine (docker info failed); start Docker or use -- --Cluster:Store=garnet.", error.Message);
        }
    }

    [Fact]
    public void Redis_server_without_the_binary_on_path_names_the_install_command()
    {
        var path = Environment.GetEnvironmentVariable("PATH");
        try
        {
            Environment.SetEnvironmentVariable("PATH", Path.GetTempPath());
            var error = Assert.Throws<ClusterConfigurationException>(() => Read(("Cluster:Store", "redis-server")));
            Assert.Contains("apt-get install -y redis-server", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }
    }
}
