using ClusterGroups.Contracts.Security;

namespace ClusterGroups.AppHost.Cluster;

// Buttons in the Aspire dashboard: fault injection on each node, the consistency report on the api.
public static class DashboardCommands
{
    public static IResourceBuilder<ProjectResource> WithChaosCommands(
        this IResourceBuilder<ProjectResource> node, IResourceBuilder<ParameterResource> clusterKey) =>
        node.WithHttpCommand("/admin/chaos/unstable", "Make unstable", commandName: "chaos-unstable",
                commandOptions: Post("Inject every fault kind at a combined rate of 30 %", "Flash", ClusterKeyHeader, clusterKey))
            .WithHttpCommand("/admin/chaos/stable", "Make stable", commandName: "chaos-stable",
                commandOptions: Post("Stop injecting faults", "CheckmarkCircle", ClusterKeyHeader, clusterKey))
            .WithHttpCommand("/admin/chaos/fail-next-delete", "Fail next DELETE", commandName: "chaos-fail-next-delete",
                commandOptions: Post("The next DELETE on this node answers 500 without applying (a rollback that fails)", "ErrorCircle",
                    ClusterKeyHeader, clusterKey));

    private const string ClusterKeyHeader = SecurityHeaders.ClusterKey;
    private const string ApiKeyHeader = SecurityHeaders.ApiKey;

    public static IResourceBuilder<ParameterResource> AddSecretKey(this IDistributedApplicationBuilder builder, string name) =>
        builder.AddParameter(name, new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);

    public static IResourceBuilder<ProjectResource> WithConsistencyCommand(
        this IResourceBuilder<ProjectResource> api, IResourceBuilder<ParameterResource> apiKey) =>
        api.WithHttpCommand("/v1/cluster/consistency", "Consistency report", commandName: "consistency",
            commandOptions: new HttpCommandOptions
            {
                Method = HttpMethod.Get,
                Description = "List the groups that are not on every node",
                IconName = "DocumentSearch",
                PrepareRequest = ctx => AddHeaderAsync(ctx.Request, ApiKeyHeader, apiKey, ctx.CancellationToken),
                GetCommandResult = async ctx =>
                {
                    var body = await ctx.Response.Content.ReadAsStringAsync(ctx.CancellationToken);
                    return ctx.Response.IsSuccessStatusCode
                        ? new ExecuteCommandResult { Success = true, Message = Summarize(body) }
                        : new ExecuteCommandResult { Success = false, Message = $"{(int)ctx.Response.StatusCode}: {body}" };
                },
            });

    public static IResourceBuilder<ProjectResource> WithReconcileCommand(
        this IResourceBuilder<ProjectResource> api, IResourceBuilder<ParameterResource> apiKey) =>
        api.WithHttpCommand("/v1/cluster/reconcile", "Reconcile now", commandName: "reconcile",
            commandOptions: Post("Repair the divergent groups the journal explains; list the others", "ArrowSync", ApiKeyHeader, apiKey));

    // The reconciler's audit: the nodes compared with the journal's desired state too (POST /v1/cluster/reconcile?journal=true).
    public static IResourceBuilder<ProjectResource> WithAuditCommand(
        this IResourceBuilder<ProjectResource> api, IResourceBuilder<ParameterResource> apiKey) =>
        api.WithHttpCommand("/v1/cluster/reconcile", "Audit against the journal", commandName: "reconcile-journal",
            commandOptions: Post("Reconcile, also comparing every node with the journal's desired state (a group every node lost, or every node kept after its delete); reads every desired state",
                "ClipboardCheckmark", ApiKeyHeader, apiKey, query: "journal=true"));

    public static IResourceBuilder<ProjectResource> WithRetryPendingCommand(
        this IResourceBuilder<ProjectResource> api, IResourceBuilder<ParameterResource> apiKey) =>
        api.WithHttpCommand("/v1/operations/retry", "Retry pending repairs", commandName: "retry-pending",
            commandOptions: Post("Drive every open operation now (pending repairs, operations of an Api that died), whatever its backoff",
                "ArrowClockwise", ApiKeyHeader, apiKey));

    private static HttpCommandOptions Post(
        string description, string icon, string header, IResourceBuilder<ParameterResource> key, string? query = null) =>
        new()
        {
            Method = HttpMethod.Post,
            Description = description,
            IconName = icon,
            PrepareRequest = ctx =>
            {
                if (query is not null && ctx.Request.RequestUri is { } uri)
                {
                    ctx.Request.RequestUri = new UriBuilder(uri) { Query = query }.Uri;
                }

                return AddHeaderAsync(ctx.Request, header, key, ctx.CancellationToken);
            },
        };

    private static async Task AddHeaderAsync(HttpRequestMessage request, string header, IResourceBuilder<ParameterResource> key, CancellationToken ct) =>
        request.Headers.Add(header, await key.Resource.GetValueAsync(ct));

    private static string Summarize(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.TryGetProperty("summary", out var summary) ? summary.GetString() ?? json : json;
    }
}
