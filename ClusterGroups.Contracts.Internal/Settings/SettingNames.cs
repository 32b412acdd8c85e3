namespace ClusterGroups.Contracts.Settings;

// The settings the Api and the nodes read, named once. The AppHost passes them by these names, and the deploy tests
// (ClusterGroups.UnitTests/Deploy) check that every variable in deploy/k8s and deploy/compose.yaml is one of them.
// A new setting: add its constant here and to All (or Sections), then pass it in the AppHost and the manifests.
public static class SettingNames
{
    // Api: the nodes, a list (Cluster:Nodes:0, :1, ...): a service name or an absolute http(s) URL.
    public const string ClusterNodes = "Cluster:Nodes";

    // Api and nodes: the key the Api sends to the nodes in X-Cluster-Key (the earlier single form; see ClusterKeys).
    public const string ClusterKey = "Cluster:Key";

    // Api and nodes: the cluster keys, a list (Cluster:Keys:0, ...): nodes accept each, the Api sends the first.
    public const string ClusterKeys = "Cluster:Keys";

    // Api: TLS to the nodes (Cluster:Tls:RequireHttps, Cluster:Tls:CaBundle).
    public const string ClusterTls = "Cluster:Tls";

    // Api: callers' keys, Api:Keys:<name>:Key and :Role (or Api:Keys:<name>=<key>, a write key).
    public const string ApiKeys = "Api:Keys";

    // Every service: a JSON settings file layered over the rest and reloaded when it changes (keys rotate in place).
    public const string SecretsFile = "SecretsFile";

    // Node: the nodeId it reports.
    public const string NodeName = "Node:Name";

    // Node: fault injection (Chaos:FaultRate, Chaos:Methods:0, ...); the AppHost hands its Chaos:* to every node.
    public const string Chaos = "Chaos";

    // Api: what ConnectionStrings:coordinator is: redis (a Redis-protocol store, the default) or postgres (Npgsql).
    public const string CoordinatorStore = "Cluster:Coordinator:Store";

    // Api and nodes: false only for the benchmark's A/B of durable acknowledgements (default true): answers no longer
    // wait for the store's log (README, "What a store promises"). The AppHost passes its own Cluster:DurableAcks.
    public const string DurableAcks = "Cluster:DurableAcks";

    // Connection string names (ConnectionStrings:<name>): a node's own store, the Api's journal and leases.
    public const string StoreConnection = "store";
    public const string CoordinatorConnection = "coordinator";

    public static string ConnectionString(string name) => $"ConnectionStrings:{name}";

    // Settings with children: a list (Cluster:Nodes:0), named entries (Api:Keys:default), options (Chaos:FaultRate).
    public static IReadOnlyList<string> Sections { get; } = [ClusterNodes, ClusterKeys, ClusterTls, ApiKeys, Chaos];

    // Settings that are one value.
    public static IReadOnlyList<string> Values { get; } =
        [ClusterKey, SecretsFile, NodeName, CoordinatorStore, DurableAcks, ConnectionString(StoreConnection), ConnectionString(CoordinatorConnection)];

    // Read by the platform rather than by our code (ASP.NET Core, OpenTelemetry's exporter in ServiceDefaults, and
    // Npgsql, which takes PGPASSWORD when the coordinator's connection string has no password).
    public static IReadOnlyList<string> Platform { get; } =
        ["ASPNETCORE_ENVIRONMENT", "ASPNETCORE_HTTP_PORTS", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME", "PGPASSWORD"];

    // Cluster:Nodes -> Cluster__Nodes (environment variables cannot hold ':').
    public static string EnvironmentVariable(string setting) => setting.Replace(":", "__", StringComparison.Ordinal);

    public static string EnvironmentVariable(string section, string child) => EnvironmentVariable($"{section}:{child}");

    // Whether an environment variable sets a setting named here (Cluster__Nodes__2, Api__Keys__ops, Node__Name, ...).
    public static bool IsKnownEnvironmentVariable(string variable)
    {
        if (Platform.Contains(variable, StringComparer.Ordinal))
        {
            return true;
        }

        var setting = variable.Replace("__", ":", StringComparison.Ordinal);
        return Values.Any(v => string.Equals(v, setting, StringComparison.OrdinalIgnoreCase))
            || Sections.Any(s => setting.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase) && setting.Length > s.Length + 1);
    }
}
