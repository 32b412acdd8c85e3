using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Threading.RateLimiting;
using ClusterGroups.Contracts.Security;
using ClusterGroups.Web.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace ClusterGroups.Api.Security;

// Api:* — who may call the Api, and how much.
public sealed class ApiOptions
{
    // Api:Keys (ApiKeys) is read by hand: a name holds either a key or a Key/Role section.

    // Let GETs under /v1 through without a key.
    public bool OpenReads { get; set; }

    [Range(1, 100_000)]
    public int PermitsPerSecond { get; set; } = 200;

    [Range(1, 1_000_000)]
    public int Burst { get; set; } = 400;

    // Create/delete operations running at once, across all callers; more wait in a queue of the same size.
    [Range(1, 10_000)]
    public int MaxConcurrentOperations { get; set; } = 128;

    // Writes in one POST /v1/batch; more is a 400, nothing done.
    [Range(1, 10_000)]
    public int MaxBatchWrites { get; set; } = 256;
}

public static class ApiSecurity
{
    public const string Scheme = "ApiKey";
    public const string OperationsLimit = "operations";

    public static IHostApplicationBuilder AddApiSecurity(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Api");
        builder.Services.AddOptions<ApiOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        var api = section.Get<ApiOptions>() ?? new ApiOptions();
        if (ApiKeys.Read(builder.Configuration).Errors is [var first, ..])
        {
            throw new OptionsValidationException(ApiKeys.Section, typeof(ApiOptions), [first]);
        }

        // Keys are re-read when the configuration reloads (SecretsFile): a key is added or withdrawn without a restart.
        builder.Services.AddKeyAuthentication(Scheme, SecurityHeaders.ApiKey, configuration => ApiKeys.Read(configuration).Keys);
        builder.Services.AddAuthorizationBuilder().AddApiRolePolicies();
        builder.Services.AddSingleton<IAuthorizationHandler, ApiRoleHandler>();
        builder.Services.AddSingleton<IAuthorizationMiddlewareResultHandler, ForbiddenAsProblem>();

        var gate = new OperationsGate(api.MaxConcurrentOperations);
        builder.Services.AddSingleton(gate);
        builder.Services.AddRateLimiter(limiter =>
        {
            // Per caller (key name; anonymous callers by address): a token bucket; health probes are never limited.
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                http.Request.Path.StartsWithSegments("/v1")
                    ? RateLimitPartition.GetTokenBucketLimiter(CallerOf(http), _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = api.Burst,
                        TokensPerPeriod = api.PermitsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                    })
                    : RateLimitPartition.GetNoLimiter("unlimited"));
            limiter.AddPolicy(OperationsLimit, _ => RateLimitPartition.Get(OperationsLimit, _ => gate));
            limiter.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = { Status = 429, Title = "Too many requests", Detail = "Slow down and send again after Retry-After seconds." },
                });
            };
        });
        return builder;
    }

    public static WebApplication UseApiSecurity(this WebApplication app)
    {
        if (!KeysConfigured(app))
        {
            app.Logger.LogWarning("No Api:Keys are configured: anyone can call this Api. Set Api:Keys:<name>:Key and :Role.");
        }

        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>
    /// What follows needs a key holding the role <paramref name="policy"/> (ApiRoles.Read, Write, Admin) or, with
    /// ApiRoles.ReconcilePolicy, the role reconcile's ?policy= asks for. Open when no keys are configured at start;
    /// reads also when Api:OpenReads. A key without the role gets a 403 problem (ForbiddenAsProblem).
    /// </summary>
    public static TBuilder RequireApiRole<TBuilder>(this TBuilder builder, IEndpointRouteBuilder app, string policy)
        where TBuilder : IEndpointConventionBuilder
    {
        var open = !KeysConfigured(app)
                   || (policy == ApiRoles.Read && app.ServiceProvider.GetRequiredService<IOptions<ApiOptions>>().Value.OpenReads);
        return open ? builder : builder.RequireAuthorization(policy);
    }

    /// <summary>Operator actions (retry, abandon, destructive repairs): an admin key.</summary>
    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder, IEndpointRouteBuilder app)
        where TBuilder : IEndpointConventionBuilder => builder.RequireApiRole(app, ApiRoles.Admin);

    // Earlier form: reads need the read role, everything else write. Prefer RequireApiRole.
    public static RouteGroupBuilder RequireCaller(this RouteGroupBuilder group, IEndpointRouteBuilder app, bool reads) =>
        group.RequireApiRole(app, reads ? ApiRoles.Read : ApiRoles.Write);

    private static bool KeysConfigured(IEndpointRouteBuilder app) =>
        ApiKeys.Read(app.ServiceProvider.GetRequiredService<IConfiguration>()).Keys.Count > 0;

    private static string CallerOf(HttpContext http) =>
        http.User.FindFirstValue(ClaimTypes.Name) is { } name
            ? $"key:{name}"
            : $"ip:{http.Connection.RemoteIpAddress}";
}
