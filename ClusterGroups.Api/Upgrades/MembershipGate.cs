using ClusterGroups.Api.Coordinator;

namespace ClusterGroups.Api.Upgrades;

// The upgrade gate of membership changes (ProtocolVersions.MembershipChanges): a change is recorded only while this
// replica and every live one run a protocol that knows them. The endpoints ask ReplicaVersions first, to answer before
// any work; the coordinator checks again in the step that writes (ICoordinator.ChangeMembershipAsync with Needs), as a
// replica may announce between that read and the write (the simulator found it, seed 18046).
public class MembershipGate(ReplicaVersions versions)
{
    public static ProtocolFeature Feature => ProtocolVersions.MembershipChanges;

    // The protocol version the coordinator's write asks of every live replica; refused at once if this one is older.
    public virtual int Needs() =>
        versions.Self.Protocol < Feature.Needs ? throw new OlderReplicasLiveException([versions.Self]) : Feature.Needs;
}
