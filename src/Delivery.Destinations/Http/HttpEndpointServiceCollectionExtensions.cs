using Delivery.Destinations.Requests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IO;

namespace Delivery.Destinations.Http;

/// <summary>
/// Wiring for the HTTP endpoint destination: one named <see cref="HttpClient"/> per pipeline from
/// <see cref="IHttpClientFactory"/> (pooled connections, the pipeline's connect timeout, no automatic redirects or
/// decompression), and a writer per pipeline from <see cref="CreateHttpEndpointBatchWriter"/>.
/// </summary>
public static class HttpEndpointServiceCollectionExtensions
{
    /// <summary>The name of the pipeline's client in <see cref="IHttpClientFactory"/>.</summary>
    public static string ClientName(string pipelineName) => "delivery-http-endpoint:" + pipelineName;

    /// <summary>Registers the client of pipeline <paramref name="pipelineName"/> and the options validator.</summary>
    public static IServiceCollection AddHttpEndpointDestination(this IServiceCollection services, string pipelineName, HttpEndpointOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HttpEndpointOptions>, HttpEndpointOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddDestinationHttpClient(ClientName(pipelineName), options.ConnectTimeoutSeconds);
        return services;
    }

    /// <summary>Creates the writer of one pipeline, with the pipeline's named client and the container's logging and clock.</summary>
    public static HttpEndpointBatchWriter CreateHttpEndpointBatchWriter(this IServiceProvider services, string pipelineName, HttpEndpointOptions options, string sourceArn)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new HttpEndpointBatchWriter(
            options,
            services.GetRequiredService<IHttpClientFactory>().CreateClient(ClientName(pipelineName)),
            sourceArn,
            services.GetRequiredService<ILogger<HttpEndpointBatchWriter>>(),
            services.GetService<TimeProvider>(),
            services.GetService<RecyclableMemoryStreamManager>());
    }

    /// <summary>The default <c>X-Amz-Firehose-Source-Arn</c> when <see cref="HttpEndpointOptions.SourceArn"/> is not set.</summary>
    public static string DefaultSourceArn(string region, string pipelineName) => $"arn:aws:firehose:{region}:000000000000:deliverystream/{pipelineName}";
}
