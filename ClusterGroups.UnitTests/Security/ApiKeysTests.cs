using ClusterGroups.Api.Security;
using ClusterGroups.Web.Security;
using Microsoft.Extensions.Configuration;

namespace ClusterGroups.UnitTests.Security;

// Api:Keys in both forms, and the cluster key set (Cluster:Keys:N plus Cluster:Key), read from configuration as the
// Api and the nodes read them.
public sealed class ApiKeysTests
{
    private static IConfiguration Config(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.ToDictionary(s => s.Key, s => s.Value)).Build();

    [Fact]
    public void The_old_form_is_a_write_key_and_the_section_form_has_its_role()
    {
        var (keys, errors) = ApiKeys.Read(Config(
            ("Api:Keys:legacy", "k-legacy"),
            ("Api:Keys:dash:Key", "k-dash"), ("Api:Keys:dash:Role", "read"),
            ("Api:Keys:ops:Key", "k-ops"), ("Api:Keys:ops:Role", "admin"),
            ("Api:Keys:svc:Key", "k-svc")));

        Assert.Empty(errors);
        Assert.Equal(
            ["dash=k-dash:read", "legacy=k-legacy:read,write", "ops=k-ops:read,write,admin", "svc=k-svc:read,write"],
            keys.Select(k => $"{k.Name}={k.Key}:{string.Join(",", k.Roles)}"));
    }

    [Theory]
    [InlineData("Api:Keys:x:Role", "root", "Api:Keys:x:Role is 'root'; use read, write, admin.")]
    [InlineData("Api:Keys:x:Role", "read", "Api:Keys:x has no key")]
    [InlineData("Api:Keys:x", "", "Api:Keys:x has no key")]
    public void A_key_without_a_key_or_with_an_unknown_role_is_an_error(string setting, string value, string error)
    {
        var (keys, errors) = ApiKeys.Read(value == "root" ? Config((setting, value), ("Api:Keys:x:Key", "k")) : Config((setting, value)));
        Assert.Empty(keys);
        Assert.StartsWith(error, Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Cluster_keys_are_the_list_in_order_then_the_single_key_without_blanks_or_repeats()
    {
        var configuration = Config(
            ("Cluster:Keys:1", "second"), ("Cluster:Keys:0", "first"), ("Cluster:Keys:2", ""), ("Cluster:Keys:3", "first"),
            ("Cluster:Key", "legacy"));

        Assert.Equal(["first", "second", "legacy"], ClusterKeys.Read(configuration));
        Assert.Equal("first", ClusterKeys.Primary(configuration));
        Assert.Equal("legacy", ClusterKeys.Primary(Config(("Cluster:Key", "legacy"))));
        Assert.Equal("new", ClusterKeys.Primary(Config(("Cluster:Key", ""), ("Cluster:Keys:0", "new"))));
        Assert.Null(ClusterKeys.Primary(Config()));
    }
}
