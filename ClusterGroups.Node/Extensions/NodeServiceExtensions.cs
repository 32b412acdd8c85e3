using System.ComponentModel.DataAnnotations;
using ClusterGroups.Contracts;
using ClusterGroups.Node.Chaos;
using ClusterGroups.Node.Groups;

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

        // Aspire's Redis client: connection multiplexer, health check (AspNetCore.HealthChecks.Redis), tracing.
        // A node must come up while its store is still starting (or stopped) and report unhealthy, not crash.
        builder.AddRedisClient("store", configureOptions: options => options.AbortOnConnectFail = false);

        builder.Services.AddOptions<ChaosSettings>()
            .Bind(builder.Configuration.GetSection("Chaos"))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<ChaosController>();
        builder.Services.AddSingleton<ChaosPipeline>();

        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<GroupStore>();
        return builder;
    }

    public static WebApplication UseNodePipeline(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // Tells the Api that this node honours Idempotency-Key (the seed's Flask nodes do not).
        app.Use((ctx, next) =>
        {
            ctx.Response.Headers[NodeHeaders.IdempotencySupported] = "true";
            return next(ctx);
        });
        app.UseMiddleware<ChaosMiddleware>();
        return app;
    }
}
