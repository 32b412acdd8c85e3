using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Api.Security;
using ClusterGroups.Api.Upgrades;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ClusterGroups.Api.Maintenance;

// A node taken out and back without stopping the cluster (README, "Maintenance"). Reading the membership needs the
// read role; changing it an admin key (the operator's role). Not the reconcile policy: that one asks for admin only when
// the request's ?policy= is destructive, so without one it let a read key drain or remove a node. And every live Api
// replica at a protocol version that plans on the membership (README, "Upgrades"): else 409, nothing changed.
public static class MaintenanceEndpoints
{
    public static IEndpointRouteBuilder MapMaintenanceApi(this IEndpointRouteBuilder app)
    {
        var read = app.MapGroup("/v1/cluster").WithTags("Maintenance").RequireApiRole(app, ApiRoles.Read);
        var change = app.MapGroup("/v1/cluster/nodes").WithTags("Maintenance").RequireAdmin(app);

        read.MapGet("/membership", Get)
            .WithName("Membership")
            .WithSummary("The nodes with their role (Active, Joining, Out) and the membership epoch");

        change.MapPost("/{name}/drain", Drain)
            .WithName("DrainNode")
            .WithSummary("Take a node out: new operations leave it out and nothing reads it; waits (up to 30 s) for older operations that write it to close");

        change.MapPost("/{name}/rejoin", Rejoin)
            .WithName("RejoinNode")
            .WithSummary("Bring a drained node back: written at once, backfilled from the active nodes, active once its digests equal theirs (202; follow GET /v1/cluster/membership)");

        change.MapPost("/", Add)
            .WithName("AddNode")
            .WithSummary("Add a node reached at an address: it joins and is backfilled like a rejoining node");

        change.MapDelete("/{name}", Remove)
            .WithName("RemoveNode")
            .WithSummary("Remove a drained node from the membership");

        return app;
    }

    private static async Task<Ok<MembershipView>> Get(ClusterMembership membership, CancellationToken ct) =>
        TypedResults.Ok(MembershipView.Of(await membership.RefreshAsync(ct)));

    private static async Task<Results<Ok<DrainView>, ProblemHttpResult>> Drain(string name, MembershipChanges changes, ReplicaVersions versions, CancellationToken ct) =>
        await Refusable(versions, ct, async () =>
        {
            var drained = await changes.DrainAsync(name, ct);
            return TypedResults.Ok(new DrainView(MembershipView.Of(drained.Membership), drained.Open));
        });

    private static async Task<Results<Accepted<MembershipView>, ProblemHttpResult>> Rejoin(string name, MembershipChanges changes, ReplicaVersions versions, CancellationToken ct) =>
        await Refusable(versions, ct, async () => TypedResults.Accepted("/v1/cluster/membership", MembershipView.Of(await changes.RejoinAsync(name, ct))));

    private static async Task<Results<Accepted<MembershipView>, ProblemHttpResult>> Add(NodeToAdd body, MembershipChanges changes, ReplicaVersions versions, CancellationToken ct)
    {
        if (!ClusterNode.IsValidEntry(body.Address) || !Uri.TryCreate(body.Address, UriKind.Absolute, out _))
        {
            return TypedResults.Problem("address must be an absolute http or https URL.", statusCode: StatusCodes.Status400BadRequest, title: "Bad request");
        }

        var name = string.IsNullOrWhiteSpace(body.Name) ? ClusterNode.Parse(body.Address!).Name : body.Name;
        return await Refusable(versions, ct, async () => TypedResults.Accepted("/v1/cluster/membership", MembershipView.Of(await changes.AddAsync(name, body.Address!, ct))));
    }

    private static async Task<Results<Ok<MembershipView>, ProblemHttpResult>> Remove(string name, MembershipChanges changes, ReplicaVersions versions, CancellationToken ct) =>
        await Refusable(versions, ct, async () => TypedResults.Ok(MembershipView.Of(await changes.RemoveAsync(name, ct))));

    private static async Task<Results<T, ProblemHttpResult>> Refusable<T>(ReplicaVersions versions, CancellationToken ct, Func<Task<T>> change)
        where T : IResult
    {
        if (await versions.RefusalAsync(ProtocolVersions.MembershipChanges, ct) is { } older)
        {
            return TypedResults.Problem(older, statusCode: StatusCodes.Status409Conflict, title: "Older Api replicas are live");
        }

        try
        {
            return await change();
        }
        catch (OlderReplicasRefusedException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status409Conflict, title: "Older Api replicas are live");
        }
        catch (MembershipRefusedException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status409Conflict, title: "Membership change refused");
        }
    }
}

public sealed record NodeToAdd(string? Name, string? Address);

public sealed record MemberView(string Name, string Role, string? Address);

public sealed record MembershipView(long Epoch, IReadOnlyList<MemberView> Members)
{
    public static MembershipView Of(Membership membership) =>
        new(membership.Epoch, [.. membership.Members.Select(m => new MemberView(m.Name, m.Role.ToString(), m.Address))]);
}

// Open: operations begun before the drain that still write the node (it should not be stopped before they close).
public sealed record DrainView(MembershipView Membership, IReadOnlyList<string> Open);
