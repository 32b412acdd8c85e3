using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Threading.RateLimiting;
using ClusterGroups.Contracts.Security;
using ClusterGroups.Web.Security;
using Microsoft.AspNetCore.RateLimiting;

namespace ClusterGroups.Api.Security;

// Api:* — who may call the Api, and how much.
public sealed class ApiOptions
{
    // Api:Keys:<name>=<key>, sent in X-Api-Key. Several, named, so one can be revoked alone.
    public Dictionary<string, string> Keys { get; set; } = [];

    // Let GETs under /v1 through without a key.
    public bool OpenReads { get; set; }

    [Range(1, 100_000)]
    public int PermitsPerSecond { get; set; } = 200;

    [Range(1, 1_000_000)]
    public int Burst { get; set; } = 400;

    // Create/delete operations running at once, across all callers; more wait in a queue of the same size.
    [Range(1, 10_000)]
    public int MaxConcurrentOperations { get; set; } = 128;
}

public static class ApiSecurity
{
    public const string Scheme = "ApiKey";
    public const string CallerPolicy = "caller";
    public const string OperationsLimit = "operations";

    public static IHostApplicationBuilder AddApiSecurity(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Api");
        builder.Services.AddOptions<ApiOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        var api = section.Get<ApiOptions>() ?? new ApiOptions();

        builder.Services.AddAuthentication(Scheme)
            .AddScheme<KeyAuthenticationOptions, KeyAuthenticationHandler>(Scheme, o =>
            {
                o.Header = SecurityHeaders.ApiKey;
                o.Keys = api.Keys;
            });
        builder.Services.AddAuthorizationBuilder().AddPolicy(CallerPolicy, p => p.RequireAuthenticatedUser());

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
            limiter.AddConcurrencyLimiter(OperationsLimit, o =>
            {
                o.PermitLimit = api.MaxConcurrentOperations;
                o.QueueLimit = api.MaxConcurrentOperations;
            });
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
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ApiOptions>>().Value.Keys.Count == 0)
        {
            app.Logger.LogWarning("No Api:Keys are configured: anyone can call this Api. Set Api:Keys:<name>=<key>.");
        }

        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    // Everything under /v1 needs a key when keys are configured; reads too unless Api:OpenReads.
    public static RouteGroupBuilder RequireCaller(this RouteGroupBuilder group, IEndpointRouteBuilder app, bool reads)
    {
        var options = app.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<ApiOptions>>().Value;
        return options.Keys.Count == 0 || (reads && options.OpenReads) ? group : group.RequireAuthorization(CallerPolicy);
    }

    private static string CallerOf(HttpContext http) =>
        http.User.FindFirstValue(ClaimTypes.Name) is { } name
            ? $"key:{name}"
            : $"ip:{http.Connection.RemoteIpAddress}";
}
