using Delivery.Telemetry;
using Delivery.Telemetry.History;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Delivery.Worker.Health;

/// <summary>Registers the health checks, the status document, the dashboard's history and the server that answers them.</summary>
internal static class HealthServiceCollectionExtensions
{
    public static IServiceCollection AddDeliveryHealth(this IServiceCollection services, HealthOptions options)
    {
        services.TryAddSingleton(options);
        services.AddHealthChecks()
            .AddCheck<LivenessCheck>("loops", tags: [HealthServer.LiveTag])
            .AddCheck<PipelinesStartedCheck>("pipelines", tags: [HealthServer.ReadyTag])
            .AddCheck<LeaseTablesCheck>("lease-tables", tags: [HealthServer.ReadyTag])
            .AddCheck<DestinationsCheck>("destinations", tags: [HealthServer.ReadyTag]);
        services.TryAddSingleton(sp => new TelemetryHistory(sp.GetRequiredService<DeliveryMetrics>(), TimeSpan.FromSeconds(options.HistorySampleSeconds)));
        services.TryAddSingleton<StatusReport>();
        services.TryAddSingleton<HealthServer>();
        services.AddHostedService(static sp => sp.GetRequiredService<HealthServer>());
        return services;
    }
}
