using Delivery.Telemetry;
using Delivery.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Delivery.Worker.Telemetry;

/// <summary>Registers the <c>Delivery</c> meter's instruments and their export (EMF on stdout, OTLP).</summary>
internal static class TelemetryServiceCollectionExtensions
{
    public static IServiceCollection AddDeliveryTelemetry(this IServiceCollection services, TelemetryOptions options)
    {
        services.AddMetrics();
        services.TryAddSingleton(sp => new DeliveryMetrics(sp.GetRequiredService<TimeProvider>(), sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton(sp => new TelemetryExport(options, sp.GetRequiredService<DeliveryWorkerService>().WorkerId, sp.GetRequiredService<ILogger<TelemetryExport>>()));
        services.AddHostedService(static sp => sp.GetRequiredService<TelemetryExport>());
        return services;
    }
}
