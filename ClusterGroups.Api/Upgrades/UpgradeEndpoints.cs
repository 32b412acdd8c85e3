using ClusterGroups.Api.Journal;
using ClusterGroups.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClusterGroups.Api.Upgrades;

// What a rolling upgrade needs to see (README, "Upgrades"): which Api replicas are live, the versions they run, and
// which gated features are usable now.
public static class UpgradeEndpoints
{
    public static IEndpointRouteBuilder MapUpgradesApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/cluster").WithTags("Maintenance").RequireApiRole(app, ApiRoles.Read)
            .MapGet("/replicas", Get)
            .WithName("Replicas")
            .WithSummary("The live Api replicas with the protocol and journal versions they announced, and the gated features usable now");
        return app;
    }

    private static async Task<Ok<ReplicasView>> Get(ReplicaVersions versions, CancellationToken ct)
    {
        var live = await versions.LiveAsync(ct);
        var lowest = live.Min(r => r.Protocol);
        return TypedResults.Ok(new ReplicasView(
            versions.Self.Replica,
            lowest,
            live.Min(r => r.JournalReads),
            [.. live.Select(r => new ReplicaView(r.Replica, r.Protocol, r.JournalReads, r.StartedAt))],
            [.. ProtocolVersions.Gated.Select(f => new FeatureView(f.Name, f.Needs, lowest >= f.Needs))]));
    }
}

// Protocol / JournalReads: the lowest any live replica announced (what the cluster as a whole understands).
public sealed record ReplicasView(
    string ThisReplica, int Protocol, int JournalReads, IReadOnlyList<ReplicaView> Replicas, IReadOnlyList<FeatureView> Features);

public sealed record ReplicaView(string Replica, int Protocol, int JournalReads, DateTimeOffset StartedAt);

public sealed record FeatureView(string Name, int Needs, bool Usable);
