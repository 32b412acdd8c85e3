namespace ClusterGroups.AppHost.Cluster;

// Links on the api resource in the dashboard: the interactive API reference and the operations console, one click
// from the resource list instead of a URL to know by heart.
public static class DashboardLinks
{
    public const string ApiReferencePath = "/scalar";
    public const string ConsolePath = "/console";

    public static IResourceBuilder<ProjectResource> WithOperatorLinks(this IResourceBuilder<ProjectResource> api) =>
        api.WithUrlForEndpoint("http", endpoint => new ResourceUrlAnnotation { Url = ApiReferencePath, DisplayText = "API reference (Scalar)" })
            .WithUrlForEndpoint("http", endpoint => new ResourceUrlAnnotation { Url = ConsolePath, DisplayText = "Operations console" });
}
