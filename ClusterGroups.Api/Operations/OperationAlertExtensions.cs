using ClusterGroups.Api.Operations;

namespace Microsoft.Extensions.Hosting;

public static class OperationAlertExtensions
{
    // The signals an alert rule watches: /health Degraded for a stuck repair, gauges of open operations by age.
    public static IServiceCollection AddOperationAlerts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OperationAlertOptions>()
            .Bind(configuration.GetSection(OperationAlertOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddHealthChecks().AddCheck<StuckRepairHealthCheck>(StuckRepairHealthCheck.Name);
        services.AddSingleton<OpenOperationMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<OpenOperationMetrics>());
        return services;
    }
}
