using ClusterGroups.Contracts.Settings;

namespace ClusterGroups.UnitTests.Deploy;

// The rule the deploy checks apply to every variable: a setting named in SettingNames, or one the platform reads.
public sealed class SettingNamesTests
{
    [Theory]
    [InlineData("Cluster__Nodes__0", true)]
    [InlineData("Cluster__Nodes__12", true)]
    [InlineData("Api__Keys__default", true)]
    [InlineData("Cluster__Key", true)]
    [InlineData("Node__Name", true)]
    [InlineData("ConnectionStrings__store", true)]
    [InlineData("ConnectionStrings__coordinator", true)]
    [InlineData("Chaos__FaultRate", true)]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", true)]
    [InlineData("Cluster__Coordinator__Store", true)]
    [InlineData("PGPASSWORD", true)]
    [InlineData("Cluster__Coordinator__Stor", false)]
    [InlineData("Cluster__Nodes", false)] // a list needs its index
    [InlineData("Cluster__Nodes_0", false)]
    [InlineData("Api__Keys__", false)]
    [InlineData("Api__Key__default", false)]
    [InlineData("Cluster_Key", false)]
    [InlineData("Node__Nmae", false)]
    [InlineData("ConnectionStrings__stores", false)]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINTS", false)]
    public void A_variable_is_known_only_if_it_names_a_setting(string variable, bool known) =>
        Assert.Equal(known, SettingNames.IsKnownEnvironmentVariable(variable));

    [Fact]
    public void Environment_variables_use_double_underscores() =>
        Assert.Equal("Cluster__Nodes__3", SettingNames.EnvironmentVariable(SettingNames.ClusterNodes, "3"));
}
