using System.Xml.Linq;

namespace ClusterGroups.UnitTests.Deploy;

// Where deploy/ is, found from the test's output folder (the repository root holds ClusterGroups.sln).
internal static class DeployFiles
{
    public static string Root { get; } = FindRoot();
    public static string Deploy => Path.Combine(Root, "deploy");
    public static string K8s => Path.Combine(Deploy, "k8s");
    public static string Compose => Path.Combine(Deploy, "compose.yaml");

    // The kustomizations a user applies or builds on: the base and every overlay.
    public static IEnumerable<string> Kustomizations =>
        Directory.EnumerateFiles(K8s, "kustomization.yaml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(K8s, Path.GetDirectoryName(f)!).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

    // What `dotnet publish -t:PublishContainer` names the image (the project's ContainerRepository).
    public static string ContainerRepository(string project)
    {
        var csproj = XDocument.Load(Path.Combine(Root, project, $"{project}.csproj"));
        return csproj.Descendants("ContainerRepository").SingleOrDefault()?.Value
               ?? throw new InvalidOperationException($"{project}.csproj sets no ContainerRepository.");
    }

    public static string ApiImage => ContainerRepository("ClusterGroups.Api");
    public static string NodeImage => ContainerRepository("ClusterGroups.Node");

    // "registry.example.com/clustergroups/api:1.0.0" -> "registry.example.com/clustergroups/api"
    public static string Repository(string image)
    {
        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > slash ? image[..colon] : image;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ClusterGroups.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No ClusterGroups.sln above {AppContext.BaseDirectory}.");
    }
}
