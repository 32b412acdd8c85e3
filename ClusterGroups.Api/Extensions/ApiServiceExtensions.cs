using ClusterGroups.Api.Cluster;
using ClusterGroups.Contracts.Settings;
using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Errors;
using ClusterGroups.Api.Reconciliation;
using ClusterGroups.Api.Security;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Journal;
using ClusterGroups.Api.Nodes;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.Hosting;

public static class ApiServiceExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddCoordinator();
        builder.AddApiSecurity();
        builder.Services.AddFanOut(builder.Configuration);
        builder.Services.AddOptions<ReconcilerOptions>()
            .Bind(builder.Configuration.GetSection("Cluster:Reconciler"))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<Reconciler>();
        builder.Services.AddHostedService<ReconcilerService>();
        builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>("cluster");
        builder.Services.AddOperatorServices(builder.Configuration);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<CoordinatorUnavailableHandler>();
        builder.Services.AddApiDocumentation();
        builder.Services.AddNodeCallTracing();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJson.Default));
        return builder;
    }

    // With a coordinator store (ConnectionStrings:coordinator, set by the AppHost) the journal and the per-group
    // leases live there, shared by every Api replica and surviving a crash. Without one, the Api keeps them in memory:
    // a single replica, no crash recovery (fine for pointing the Api at a few nodes by hand).
    private static void AddCoordinator(this IHostApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration.GetConnectionString("coordinator")))
        {
            return;
        }

        // Until the PostgreSQL coordinator is wired in (issue 25: its schema is in Coordinator/Postgres), say so at
        // start rather than hand an Npgsql connection string to the Redis client.
        if (builder.Configuration[SettingNames.CoordinatorStore] is { } store && !string.Equals(store, "redis", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"{SettingNames.CoordinatorStore} is '{store}'; this Api runs its coordinator on a Redis-protocol store only (redis) so far.");
        }

        // Replies are read on the thread pool, not handed from StackExchange.Redis's own reader threads to it: one
        // thread switch less per command (nothing here blocks a pool thread). A/B with the bench, N=3: Api create
        // p50 at c=1 4.2 against 4.7 ms, c=64 ops/s 1063-1369 against 875-1099 (issue 15's note).
        builder.AddRedisClient("coordinator", configureOptions: o =>
        {
            o.AbortOnConnectFail = false;
            o.SocketManager = StackExchange.Redis.SocketManager.ThreadPool;
        });
        builder.Services.AddOptions<CoordinatorOptions>()
            .Bind(builder.Configuration.GetSection("Cluster:Coordinator"))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<RedisOperationJournal>();
        builder.Services.AddSingleton<IOperationJournal>(sp => sp.GetRequiredService<RedisOperationJournal>());
        builder.Services.AddSingleton<ILeasedJournal, RedisLeasedJournal>();
        builder.Services.AddSingleton<IDesiredState, DesiredStateStore>();
        builder.Services.AddSingleton<IGroupLocks, RedisGroupLocks>();
    }

    /// <summary>The fan-out protocol and what it stands on; also used by tests with scripted nodes.</summary>
    public static IServiceCollection AddFanOut(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ClusterOptions>()
            .Bind(configuration.GetSection(ClusterOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.Nodes.All(ClusterNode.IsValidEntry),
                "Cluster:Nodes holds an entry that is neither a service name (node1) nor an http(s) URL.")
            .Validate(o => o.Nodes.Where(ClusterNode.IsValidEntry).Select(e => ClusterNode.Parse(e).Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() == o.Nodes.Count(ClusterNode.IsValidEntry),
                "Cluster:Nodes names a node twice.")
            .ValidateOnStart();
        services.AddOptions<RecoveryOptions>()
            .Bind(configuration.GetSection("Cluster:Recovery"))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ClusterDirectory>();
        services.AddSingleton<NodeClient>();
        services.AddSingleton<NodeLatency>();
        services.AddSingleton<ClusterDigests>();
        services.AddSingleton<ClusterScan>();
        services.AddSingleton<ConsistencyCheck>();
        services.AddSingleton<FanOutTelemetry>();
        services.AddSingleton<NodeRetry>();
        services.AddSingleton<FanOutProtocol>();
        services.TryAddSingleton<IOperationJournal, InMemoryOperationJournal>();
        services.TryAddSingleton<IDesiredState, InMemoryDesiredState>();
        services.TryAddSingleton<IGroupLocks, InProcessGroupLocks>();
        services.TryAddSingleton<ILeasedJournal, SteppedLeasedJournal>();
        services.AddSingleton<Recovery>();
        services.AddHostedService(sp => sp.GetRequiredService<Recovery>());
        services.AddNodeHttpClient(configuration);
        services.AddNodeReadsHttpClient();
        return services;
    }

    public static WebApplication UseApiPipeline(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseApiSecurity();
        return app;
    }
}
