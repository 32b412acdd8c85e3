namespace ClusterGroups.AppHost.Cluster;

// Buttons in the Aspire dashboard: fault injection on each node, the consistency report on the api.
public static class DashboardCommands
{
    public static IResourceBuilder<ProjectResource> WithChaosCommands(this IResourceBuilder<ProjectResource> node) =>
        node.WithHttpCommand("/admin/chaos/unstable", "Make unstable", commandName: "chaos-unstable",
                commandOptions: Post("Inject every fault kind at a combined rate of 30 %", "Flash"))
            .WithHttpCommand("/admin/chaos/stable", "Make stable", commandName: "chaos-stable",
                commandOptions: Post("Stop injecting faults", "CheckmarkCircle"))
            .WithHttpCommand("/admin/chaos/fail-next-delete", "Fail next DELETE", commandName: "chaos-fail-next-delete",
                commandOptions: Post("The next DELETE on this node answers 500 without applying (a rollback that fails)", "ErrorCircle"));

    public static IResourceBuilder<ProjectResource> WithChaosSettings(this IResourceBuilder<ProjectResource> node, ClusterSettings cluster) =>
        cluster.ApplyChaos(node);

    public static IResourceBuilder<ProjectResource> WithConsistencyCommand(this IResourceBuilder<ProjectResource> api) =>
        api.WithHttpCommand("/v1/cluster/consistency", "Consistency report", commandName: "consistency",
            commandOptions: new HttpCommandOptions
            {
                Method = HttpMethod.Get,
                Description = "List the groups that are not on every node",
                IconName = "DocumentSearch",
                GetCommandResult = async ctx =>
                {
                    var body = await ctx.Response.Content.ReadAsStringAsync(ctx.CancellationToken);
                    return ctx.Response.IsSuccessStatusCode
                        ? new ExecuteCommandResult { Success = true, Message = Summarize(body) }
                        : new ExecuteCommandResult { Success = false, Message = $"{(int)ctx.Response.StatusCode}: {body}" };
                },
            });

    public static IResourceBuilder<ProjectResource> WithReconcileCommand(this IResourceBuilder<ProjectResource> api) =>
        api.WithHttpCommand("/v1/cluster/reconcile", "Reconcile now", commandName: "reconcile",
            commandOptions: Post("Repair the divergent groups the journal explains; list the others", "ArrowSync"));

    private static HttpCommandOptions Post(string description, string icon) =>
        new() { Method = HttpMethod.Post, Description = description, IconName = icon };

    private static string Summarize(string json)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return doc.RootElement.TryGetProperty("summary", out var summary) ? summary.GetString() ?? json : json;
    }
}
