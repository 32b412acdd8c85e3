using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using ClusterGroups.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;

namespace ClusterGroups.Tests.Client;

// ClusterGroups.Client as a NuGet package, taken by a program outside this repository: packed (with
// ClusterGroups.Contracts), restored from the packed folder plus the machine's own package sources into a project of
// its own (no Directory.Build.props, no central versions), built, and run against a scripted Api on a loopback port.
// And the public packages hold no node-internal type: none of ClusterGroups.Contracts.Internal's types is exported by
// an assembly in them. Needs only the .NET SDK (and the package sources the solution restores from).
public sealed class ClientPackageTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(3);
    private readonly string _work = Path.Combine(Path.GetTempPath(), "clustergroups-package-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task The_packed_client_restores_builds_and_calls_an_api_from_a_project_outside_the_solution()
    {
        var packages = Directory.CreateDirectory(Path.Combine(_work, "packed")).FullName;
        // The projects were built for this test run (dotnet test builds them): pack what was built, in its configuration.
        var configuration = typeof(ClientPackageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        foreach (var project in new[] { "ClusterGroups.Contracts", "ClusterGroups.Client" })
        {
            await DotnetAsync(Root, "pack", Path.Combine(Root, project, $"{project}.csproj"), "--no-build", "-c", configuration, "-o", packages);
        }

        // What is packed: the client and its contracts, and nothing that only the Api and the nodes share.
        var packed = Directory.GetFiles(packages, "*.nupkg").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(["ClusterGroups.Client.0.1.0.nupkg", "ClusterGroups.Contracts.0.1.0.nupkg"], packed);
        var exported = Directory.GetFiles(packages, "*.nupkg").SelectMany(ExportedTypes).ToHashSet();
        Assert.Contains("ClusterGroups.Client.ClusterGroupsClient", exported);
        Assert.Contains("ClusterGroups.Contracts.Operations.OperationReport", exported);
        var internals = typeof(ClusterGroups.Contracts.NodeHeaders).Assembly.GetExportedTypes().Select(t => t.FullName!).ToList();
        Assert.Contains("ClusterGroups.Contracts.Settings.SettingNames", internals);
        Assert.Empty(internals.Intersect(exported));
        Assert.All(Directory.GetFiles(packages, "*.nupkg"), p => Assert.DoesNotContain("Contracts.Internal", Nuspec(p)));

        // A consumer of its own, restored into a packages folder of its own (the machine's is only a read-only
        // fallback, so this test's 0.1.0 never lands there).
        var consumer = Directory.CreateDirectory(Path.Combine(_work, "consumer")).FullName;
        var userPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                           ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{Path.Combine(_work, "packages")}" /></config>
              <packageSources><add key="clustergroups-packed" value="{packages}" /></packageSources>
              <fallbackPackageFolders><add key="machine" value="{userPackages}" /></fallbackPackageFolders>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <WarningsNotAsErrors>NU1603</WarningsNotAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ClusterGroups.Client" Version="0.1.0" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), """
            using ClusterGroups.Client;
            using Microsoft.Extensions.DependencyInjection;

            var services = new ServiceCollection();
            services.AddClusterGroupsClient(o =>
            {
                o.BaseAddress = new Uri(args[0]);
                o.ApiKey = args[1];
                o.FollowPending = true;
                o.PollInterval = TimeSpan.FromMilliseconds(20);
            });
            using var provider = services.BuildServiceProvider();
            var groups = provider.GetRequiredService<ClusterGroupsClient>();
            var report = await groups.CreateAsync("consumer-1");
            Console.WriteLine($"{report.Outcome} {report.OperationId} {string.Join(",", report.Nodes.Select(n => $"{n.Node}:{n.Effect}"))}");
            try
            {
                await groups.DeleteAsync("bad/id");
            }
            catch (InvalidRequestException e)
            {
                Console.WriteLine($"refused: {e.Reason}");
            }
            """);
        await DotnetAsync(consumer, "build", "-o", Path.Combine(consumer, "out"));

        await using var api = await ScriptedApi.StartAsync();
        var run = await RunAsync(consumer, "dotnet", Path.Combine(consumer, "out", "Consumer.dll"), api.Address, "key-1");

        Assert.Equal(["RolledBack op-c1 node1:NotApplied,node2:Applied", "refused: groupId is invalid: 1-128 characters"], run);
        var create = api.Received.First(r => r.Method == "POST");
        Assert.Equal("key-1", create.ApiKey);
        Assert.True(ClusterGroups.Contracts.IdempotencyKeys.IsValid(create.IdempotencyKey), create.IdempotencyKey);
        Assert.True(DateTimeOffset.TryParse(create.Deadline, out var deadline) && deadline > DateTimeOffset.UtcNow.AddSeconds(-60), create.Deadline);
        Assert.Contains(api.Received, r => r is { Method: "GET", Path: "/v1/operations/op-c1" });
    }

    private static string Root { get; } = FindRoot();

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

    // The public types of every assembly in a package, read as metadata (never loaded into this process).
    private static IEnumerable<string> ExportedTypes(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        foreach (var entry in zip.Entries.Where(e => e.FullName.StartsWith("lib/", StringComparison.Ordinal) && e.FullName.EndsWith(".dll", StringComparison.Ordinal)))
        {
            using var copy = new MemoryStream();
            using (var stream = entry.Open())
            {
                stream.CopyTo(copy);
            }

            copy.Position = 0;
            using var pe = new PEReader(copy);
            var metadata = pe.GetMetadataReader();
            foreach (var handle in metadata.TypeDefinitions)
            {
                var type = metadata.GetTypeDefinition(handle);
                if ((type.Attributes & TypeAttributes.VisibilityMask) == TypeAttributes.Public)
                {
                    yield return $"{metadata.GetString(type.Namespace)}.{metadata.GetString(type.Name)}";
                }
            }
        }
    }

    private static string Nuspec(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        using var reader = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        return reader.ReadToEnd();
    }

    private Task DotnetAsync(string directory, params string[] args) =>
        RunAsync(directory, "dotnet", [.. args, "--disable-build-servers", "-nologo"]);

    // Runs a process to its end (killed, with its children, if it outlives Step); its output lines, or a failure with them.
    private async Task<List<string>> RunAsync(string directory, string file, params string[] args)
    {
        var start = new ProcessStartInfo(file, args) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        var lines = new ConcurrentQueue<string>();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lines.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lines.Enqueue(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync().WaitAsync(Step);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} ran over {Step}:\n{string.Join('\n', lines)}");
        }

        process.WaitForExit();
        var all = lines.ToList();
        output.WriteLine($"$ {file} {string.Join(' ', args)} -> {process.ExitCode}");
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {process.ExitCode}:\n{string.Join('\n', all)}");
        return all;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // A scripted Api on a loopback port (the consumer is another process): a create answered 202 (pending repair),
    // then the operation read as rolled back; anything else a 400 problem. Requests are recorded thread-safely.
    private sealed class ScriptedApi : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private ScriptedApi(WebApplication app) => _app = app;

        public ConcurrentQueue<(string Method, string Path, string ApiKey, string IdempotencyKey, string Deadline)> Received { get; } = new();

        public string Address => _app.Urls.First();

        public static async Task<ScriptedApi> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var api = new ScriptedApi(app);
            app.Use(async (http, next) =>
            {
                var headers = http.Request.Headers;
                api.Received.Enqueue((http.Request.Method, http.Request.Path.Value ?? "", headers["X-Api-Key"].ToString(),
                    headers["Idempotency-Key"].ToString(), headers["Request-Deadline"].ToString()));
                await next(http);
            });
            app.MapPost("/v1/group/", () => Results.Content(Report("PendingRepair", "Applied"), "application/json", statusCode: 202));
            app.MapGet("/v1/operations/op-c1", () => Results.Content(Report("RolledBack", "Applied"), "application/json"));
            app.MapDelete("/v1/group/", () => Results.Problem("groupId is invalid: 1-128 characters.", statusCode: 400, title: "Bad request"));
            await app.StartAsync().WaitAsync(Wait.Request);
            return api;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync().WaitAsync(Wait.Request);
            await _app.DisposeAsync();
        }

        private static string Report(string outcome, string effect) => $$"""
            {"operationId":"op-c1","kind":"Create","groupId":"consumer-1","outcome":"{{outcome}}","summary":"s",
             "startedAt":"2026-12-04T10:15:00Z","endedAt":null,"durationMs":3.5,"owner":null,"recoveries":0,
             "nodes":[{"node":"node1","effect":"NotApplied","compensation":"NotNeeded","action":"not created","attempts":1,"durationMs":1,"calls":[]},
                      {"node":"node2","effect":"{{effect}}","compensation":"Pending","action":"created","attempts":1,"durationMs":1,"calls":[]}]}
            """;
    }
}
