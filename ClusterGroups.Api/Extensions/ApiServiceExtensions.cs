using ClusterGroups.Api.Cluster;
using ClusterGroups.Contracts.Settings;
using ClusterGroups.Api.Coordinator;
using ClusterGroups.Api.Errors;
using ClusterGroups.Api.Reconciliation;
using ClusterGroups.Api.Security;
using ClusterGroups.Api.Upgrades;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using ClusterGroups.Api.Coordinator.InMemory;
using ClusterGroups.Api.Coordinator.Postgres;
using ClusterGroups.Api.Coordinator.Redis;
using ClusterGroups.Api.FanOut;
using ClusterGroups.Api.Model;
using ClusterGroups.Api.Nodes;
using ClusterGroups.Storage;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ClusterGroups.Web.Startup;

namespace Microsoft.Extensions.Hosting;

public static class ApiServiceExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddCoordinator();
        builder.AddApiSecurity();
        // Before recovery (added by AddFanOut): the journal is read as this replica's protocol version reads it.
        builder.Services.AddOptions<UpgradeOptions>()
            .Bind(builder.Configuration.GetSection(UpgradeOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.AnnouncementLifetime > o.AnnounceInterval,
                "Cluster:Upgrade:AnnouncementLifetime must be longer than Cluster:Upgrade:AnnounceInterval.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ReplicaVersions>();
        builder.Services.AddHostedService<ReplicaAnnouncer>();
        builder.Services.AddFanOut(builder.Configuration);
        builder.Services.AddOptions<ReconcilerOptions>()
            .Bind(builder.Configuration.GetSection("Cluster:Reconciler"))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<Reconciler>();
        builder.Services.AddHostedService<ReconcilerService>();
        builder.Services.AddSingleton<MembershipGate>();
        builder.Services.AddSingleton<MembershipChanges>();
        builder.Services.AddOptions<BackfillOptions>().Bind(builder.Configuration.GetSection(BackfillOptions.Section));
        builder.Services.AddSingleton<JoiningCopy>();
        builder.Services.AddSingleton<JoinBackfill>();
        builder.Services.AddHostedService<JoinBackfillService>();
        builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>("cluster");
        builder.Services.AddOperatorServices(builder.Configuration);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<CoordinatorUnavailableHandler>();
        builder.Services.AddExceptionHandler<NewerJournalEntryHandler>();
        builder.Services.AddExceptionHandler<ReplicaStoppingHandler>();
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

        var store = builder.Configuration[SettingNames.CoordinatorStore] ?? "redis";
        if (string.Equals(store, "postgres", StringComparison.OrdinalIgnoreCase))
        {
            builder.AddPostgresCoordinator();
            return;
        }

        if (!string.Equals(store, "redis", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"{SettingNames.CoordinatorStore} is '{store}'; give redis (a Redis-protocol store, the default) or postgres (PostgreSQL).");
        }

        // Replies are read on the thread pool, not handed from StackExchange.Redis's own reader threads to it: one
        // thread switch less per command (nothing here blocks a pool thread). A/B with the bench, N=3: Api create
        // p50 at c=1 4.2 against 4.7 ms, c=64 ops/s 1063-1369 against 875-1099 (issue 15's note).
        // Connected at start, before the Api listens, never on a request's thread (docs/ARCHITECTURE.md, "Cold start").
        builder.AddRedisClient("coordinator", settings => settings.DisableAutoActivation = false, o =>
        {
            o.AbortOnConnectFail = false;
            o.SocketManager = StackExchange.Redis.SocketManager.ThreadPool;
        });
        builder.Services.AddWarmUpStep<ClusterGroups.Api.Startup.CoordinatorWarmUp>();
        builder.Services.AddSingleton<ICoordinator>(sp => new RedisCoordinator(
            new RedisStore(sp.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>(),
                builder.Configuration.GetValue(SettingNames.DurableAcks, true)),
            sp.GetRequiredService<IOptions<CoordinatorOptions>>(), batching: sp.GetRequiredService<IOptions<ClusterOptions>>().Value.Batching));
    }

    // ConnectionStrings:coordinator is an Npgsql connection string (several hosts and Target Session Attributes=primary
    // find the primary after a failover). The schema is migrated before anything else starts (hosted services start in
    // the order they were added; recovery is added later, by AddFanOut).
    private static void AddPostgresCoordinator(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("coordinator");
        builder.Services.AddHostedService<PostgresSchemaMigration>();
        // The highest timeline seen, for the process: an old primary resumed after a failover is refused (hazard 7).
        builder.Services.AddSingleton<PostgresTimeline>();
        builder.Services.AddSingleton<ICoordinator, PostgresCoordinator>();
        // Commits acknowledged with no standby's copy (the two-instance degraded mode) are reported, never silent.
        builder.Services.AddHealthChecks().AddCheck<PostgresReplicationHealthCheck>(PostgresReplicationHealthCheck.Name);
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
            .Validate(o => o.Dialects.Values.All(d => d is KeyedDialect.Id or SeedDialect.Id),
                $"Cluster:Dialects:<node> must be {KeyedDialect.Id} or {SeedDialect.Id}.")
            .ValidateOnStart();
        services.AddOptions<CoordinatorOptions>()
            .Bind(configuration.GetSection("Cluster:Coordinator"))
            .ValidateDataAnnotations()
            .Validate(o => o.IdempotencyKeyWindow <= o.ClosedRetention,
                "Cluster:Coordinator:IdempotencyKeyWindow must not be longer than Cluster:Coordinator:ClosedRetention.")
            .ValidateOnStart();
        services.AddOptions<RecoveryOptions>()
            .Bind(configuration.GetSection("Cluster:Recovery"))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<Entropy>();
        services.AddSingleton<ClusterDirectory>();
        services.AddSingleton<ClusterMembership>();
        // Writes toward our nodes batch naturally under load (Cluster:Batching); the simulator brings its own client.
        services.TryAddSingleton<NodeClient>();
        services.TryAddSingleton<INodeBatchClient>(sp => sp.GetRequiredService<NodeClient>());
        services.TryAddSingleton<INodeClient>(sp => new BatchingNodeClient(
            sp.GetRequiredService<NodeClient>(), sp.GetRequiredService<NodeClient>(), sp.GetRequiredService<NodeLatency>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<ClusterOptions>>(),
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<NodeLatency>();
        services.AddSingleton<ClusterDigests>();
        services.AddSingleton<ClusterScan>();
        services.AddSingleton<JournalDigest>();
        services.AddSingleton<ConsistencyCheck>();
        services.AddSingleton<FanOutTelemetry>();
        services.AddSingleton<NodeRetry>();
        services.AddSingleton<NodeCalls>();
        services.TryAddSingleton<KeyedDialect>();
        services.TryAddSingleton<SeedDialect>();
        services.AddSingleton<NodeDialects>();
        services.TryAddSingleton<Takeover>();
        services.AddSingleton<FanOutProtocol>();
        services.TryAddSingleton<ICoordinator, InMemoryCoordinator>();
        services.AddSingleton<Coordination>();
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
