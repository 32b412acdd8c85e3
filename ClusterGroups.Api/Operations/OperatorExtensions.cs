using ClusterGroups.Api.Operations;

namespace Microsoft.Extensions.Hosting;

public static class OperatorExtensions
{
    // What an operator acts on: retry/abandon of one operation, and the signals an alert watches (/health Degraded
    // for a stuck repair, gauges of open operations by age).
    public static IServiceCollection AddOperatorServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OperationAlertOptions>()
            .Bind(configuration.GetSection(OperationAlertOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddHealthChecks().AddCheck<StuckRepairHealthCheck>(StuckRepairHealthCheck.Name);
        services.AddSingleton<OperationActions>();
        services.AddSingleton<OpenOperationMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<OpenOperationMetrics>());
        return services;
    }
}
