using System.Diagnostics;

namespace ClusterGroups.AppHost.Cluster;

// Aspire waits forever for a container runtime that is not running, and an executable that is not on PATH fails
// late and quietly; both are checked here so the AppHost stops at once with the fix in one sentence.
public static class StorePreflight
{
    public static void Check(StoreKind kind)
    {
        switch (kind)
        {
            case StoreKind.RedisServer when FindOnPath("redis-server") is null:
                throw new ClusterConfigurationException(
                    "Cluster:Store=redis-server needs the redis-server binary on PATH; install it (Debian: apt-get install -y redis-server) or use -- --Cluster:Store=garnet.");
            case StoreKind.Redis when !ContainerEngineRuns():
                throw new ClusterConfigurationException(
                    "Cluster:Store=redis needs a running Docker engine (docker info failed); start Docker or use -- --Cluster:Store=garnet.");
        }
    }

    public static void Check(CoordinatorKind kind)
    {
        switch (kind)
        {
            case CoordinatorKind.Postgres when PostgresBinaries.Find() is null:
                throw new ClusterConfigurationException(
                    $"Cluster:Coordinator=postgres needs PostgreSQL's postgres and initdb (on PATH or in /usr/lib/postgresql/*/bin); {PostgresBinaries.InstallHint} or use -- --Cluster:Coordinator=true.");
            case CoordinatorKind.Postgres when PostgresBinaries.AccountMissing:
                throw new ClusterConfigurationException(
                    $"Cluster:Coordinator=postgres runs postgres as the '{PostgresBinaries.Account}' account when the AppHost runs as root, and there is none; {PostgresBinaries.InstallHint}, which makes it, or run as a normal user.");
            case CoordinatorKind.PostgresContainer when !ContainerEngineRuns():
                throw new ClusterConfigurationException(
                    "Cluster:Coordinator=postgres-container needs a running Docker engine (docker info failed); start Docker or use -- --Cluster:Coordinator=postgres.");
        }
    }

    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);

    private static bool ContainerEngineRuns()
    {
        if (FindOnPath("docker") is not { } docker)
        {
            return false;
        }

        try
        {
            using var process = Process.Start(new ProcessStartInfo(docker, "info")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
