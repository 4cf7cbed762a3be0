using Delivery.DirectPut.Authentication;
using Delivery.DirectPut.Server;
using Delivery.Kinesis.Client;
using Delivery.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Delivery.DirectPut;

/// <summary>Registers the Direct PUT listener as a hosted service.</summary>
public static class DirectPutServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="DirectPutServer"/>. Register it after the pipelines' hosted service: it then starts once they
    /// have started and stops before they drain. It does nothing unless <see cref="DirectPutOptions.Enabled"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="options">The listener's validated options.</param>
    /// <param name="streams">Every pipeline as the Firehose API shows it.</param>
    /// <param name="authenticator">How requests are authenticated.</param>
    public static IServiceCollection AddDirectPut(this IServiceCollection services, DirectPutOptions options, IReadOnlyList<DeliveryStreamEntry> streams, RequestAuthenticator authenticator)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new DirectPutServer(
            options,
            streams,
            authenticator,
            sp.GetRequiredService<IKinesisClient>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetService<DeliveryMetrics>()));
        services.AddHostedService(static sp => sp.GetRequiredService<DirectPutServer>());
        return services;
    }
}
