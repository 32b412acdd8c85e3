using System.ComponentModel.DataAnnotations;
using ClusterGroups.Contracts;
using ClusterGroups.Contracts.Settings;
using ClusterGroups.Contracts.Security;
using ClusterGroups.Web.Security;
using ClusterGroups.Node.Chaos;
using ClusterGroups.Node.Groups;
using ClusterGroups.Node.Network;
using ClusterGroups.Storage;
using ClusterGroups.Web.Startup;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.Hosting;

public sealed class NodeOptions
{
    [Required, RegularExpression("^[A-Za-z0-9_.:-]{1,64}$")]
    public string Name { get; set; } = "node";
}

public static class NodeServiceExtensions
{
    public static IHostApplicationBuilder AddNodeServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<NodeOptions>()
            .Bind(builder.Configuration.GetSection("Node"))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<NetworkDelayOptions>()
            .Bind(builder.Configuration.GetSection("Node"))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // Aspire's Redis client: connection multiplexer, health check (AspNetCore.HealthChecks.Redis), tracing.
        // A node must come up while its store is still starting (or stopped) and report unhealthy, not crash.
        // Replies are read on the thread pool (one thread switch less per command; see the Api's coordinator client).
        // The connection is opened at start, before the node listens (auto activation; Aspire leaves it off by
        // default): opened on first use instead, Aspire's factory connects synchronously on a request's pool thread,
        // every other request blocks on the DI lock behind it, and the connect's own replies wait for a pool thread
        // behind them. A fresh node hit by 32 creates at once answered after ~16 s that way (docs/ARCHITECTURE.md,
        // "Cold start"). A store that cannot be reached at start delays the node's listening by the client's connect
        // window (3 tries of 5 s; measured 16 s), then the node comes up Unhealthy and reconnects in the background.
        builder.AddRedisClient("store",
            configureSettings: settings => settings.DisableAutoActivation = false,
            configureOptions: options =>
            {
                options.AbortOnConnectFail = false;
                options.SocketManager = StackExchange.Redis.SocketManager.ThreadPool;
            });

        builder.Services.AddOptions<ChaosSettings>()
            .Bind(builder.Configuration.GetSection("Chaos"))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<ChaosController>();
        builder.Services.AddSingleton<ChaosPipeline>();

        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<IRedisStore>(sp => new RedisStore(sp.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>(),
            builder.Configuration.GetValue(SettingNames.DurableAcks, true)));
        builder.Services.AddSingleton<GroupStore>();
        builder.Services.AddSingleton<WriteCounts>();
        builder.Services.AddWarmUpStep<StoreWarmUp>();
        builder.Services.AddSingleton<DigestRebuild>();
        builder.Services.AddOptions<DigestAuditOptions>()
            .Bind(builder.Configuration.GetSection("Node:Digest"))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHostedService<DigestAudit>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddClusterKey();
        return builder;
    }

    // Cluster:Keys:0, :1, … and Cluster:Key (ClusterKeys): writes, wipes and admin calls need one of them in
    // X-Cluster-Key (a 401 otherwise); several at once so a key can be rotated without downtime, and re-read when a
    // SecretsFile changes. A node started on its own without any stays open for reads and writes (the seed's own
    // client works against it) and has no admin endpoints.
    private static void AddClusterKey(this IHostApplicationBuilder builder)
    {
        builder.Services.AddKeyAuthentication(ClusterKey.Scheme, SecurityHeaders.ClusterKey,
            configuration => [.. ClusterKeys.Read(configuration).Select(key => new AcceptedKey("api", key, []))]);
        builder.Services.AddAuthorizationBuilder().AddPolicy(ClusterKey.Policy, p => p.RequireAuthenticatedUser());
    }

    public static WebApplication UseNodePipeline(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        if (!ClusterKey.Required(app))
        {
            app.Logger.LogWarning("No Cluster:Key or Cluster:Keys is configured: this node accepts writes from anyone, and its admin endpoints are off.");
        }

        app.UseAuthentication();
        app.UseAuthorization();
        // Tells the Api that this node honours Idempotency-Key (the seed's Flask nodes do not).
        app.Use((ctx, next) =>
        {
            ctx.Response.Headers[NodeHeaders.IdempotencySupported] = "true";
            return next(ctx);
        });
        app.UseMiddleware<NetworkDelayMiddleware>();
        app.UseMiddleware<ChaosMiddleware>();
        return app;
    }
}

public static class ClusterKey
{
    public const string Scheme = "ClusterKey";
    public const string Policy = "cluster";

    // Decided at start: a node that starts with keys keeps requiring one (a reloaded SecretsFile changes which).
    public static bool Required(IEndpointRouteBuilder app) =>
        ClusterKeys.Read(app.ServiceProvider.GetRequiredService<IConfiguration>()).Count > 0;

    // Protects what follows with the cluster key, when the node has one.
    public static TBuilder RequireClusterKey<TBuilder>(this TBuilder builder, IEndpointRouteBuilder app)
        where TBuilder : IEndpointConventionBuilder =>
        Required(app) ? builder.RequireAuthorization(Policy) : builder;
}
