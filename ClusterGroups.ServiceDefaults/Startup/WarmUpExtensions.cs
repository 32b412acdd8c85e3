using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ClusterGroups.Web.Startup;

public static class WarmUpExtensions
{
    /// <summary>A step every start runs before the server listens (docs/ARCHITECTURE.md, "Cold start").</summary>
    public static IServiceCollection AddWarmUpStep<TStep>(this IServiceCollection services) where TStep : class, IWarmUp
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IWarmUp, TStep>());
        return services;
    }
}
