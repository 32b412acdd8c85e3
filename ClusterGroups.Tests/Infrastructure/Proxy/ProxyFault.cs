namespace ClusterGroups.Tests.Infrastructure.Proxy;

// What the proxy does to one scripted write.
internal abstract record ProxyFault
{
    // Forwarded and answered by the Api; the answer never reaches the caller.
    public sealed record DropAnswer : ProxyFault;

    // Kept in the network until the test releases it, then forwarded.
    public sealed record Hold(HeldRequest Request) : ProxyFault;

    // Sent to every replica at the same moment.
    public sealed record Duplicate : ProxyFault;
}
