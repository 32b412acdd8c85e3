using ClusterGroups.Contracts.Security;

namespace ClusterGroups.Api.Security;

// Sends Cluster:Key to the nodes on every call (nodes refuse writes and admin calls without it).
public sealed class ClusterKeyHandler(string? clusterKey) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(clusterKey))
        {
            request.Headers.Remove(SecurityHeaders.ClusterKey);
            request.Headers.Add(SecurityHeaders.ClusterKey, clusterKey);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
