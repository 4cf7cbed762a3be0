using Delivery.Destinations.Requests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IO;

namespace Delivery.Destinations.Splunk;

/// <summary>
/// Wiring for the Splunk destination: one named <see cref="HttpClient"/> per pipeline from
/// <see cref="IHttpClientFactory"/> (pooled connections, the pipeline's connect timeout, no redirects, decompression or
/// cookie handling: the writer keeps a channel's cookies itself), a writer per pipeline and its start-up check.
/// </summary>
public static class SplunkDestinationServiceCollectionExtensions
{
    /// <summary>The name of the pipeline's client in <see cref="IHttpClientFactory"/>.</summary>
    public static string ClientName(string pipelineName) => "delivery-splunk:" + pipelineName;

    /// <summary>Registers the client of pipeline <paramref name="pipelineName"/> and the options validator.</summary>
    public static IServiceCollection AddSplunkDestination(this IServiceCollection services, string pipelineName, SplunkDestinationOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SplunkDestinationOptions>, SplunkDestinationOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddDestinationHttpClient(ClientName(pipelineName), options.ConnectTimeoutSeconds, useCookies: false);
        return services;
    }

    /// <summary>Creates the writer of one pipeline, with the pipeline's named client and the container's logging and clock.</summary>
    /// <param name="services">The built container.</param>
    /// <param name="pipelineName">The pipeline.</param>
    /// <param name="options">Its Splunk settings.</param>
    /// <param name="token">The HEC token, read from <see cref="SplunkDestinationOptions.HecTokenVariable"/>.</param>
    /// <param name="acknowledged">Called with each request's acknowledgement latency (the DataAckLatency metric).</param>
    public static SplunkBatchWriter CreateSplunkBatchWriter(this IServiceProvider services, string pipelineName, SplunkDestinationOptions options, string token, Action<TimeSpan>? acknowledged = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new SplunkBatchWriter(
            options,
            token,
            services.GetRequiredService<IHttpClientFactory>().CreateClient(ClientName(pipelineName)),
            services.GetRequiredService<ILogger<SplunkBatchWriter>>(),
            services.GetService<TimeProvider>(),
            services.GetService<RecyclableMemoryStreamManager>(),
            acknowledged: acknowledged);
    }

    /// <summary>The start-up check of one pipeline's collector and token, through the pipeline's client.</summary>
    public static SplunkHecCheck CreateSplunkCheck(this IServiceProvider services, string pipelineName, SplunkDestinationOptions options, string? token, string settingPrefix)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new SplunkHecCheck(services.GetRequiredService<IHttpClientFactory>().CreateClient(ClientName(pipelineName)), options, token, settingPrefix);
    }
}
