using Amazon.Runtime;
using Delivery.Aws.Signing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IO;

namespace Delivery.Destinations.OpenSearch;

/// <summary>
/// Wiring for the OpenSearch destination: one named <see cref="HttpClient"/> per pipeline from
/// <see cref="IHttpClientFactory"/> (pooled connections, the pipeline's connect timeout, no redirects, and with SigV4 a
/// signing handler on the worker's AWS credentials for service <c>es</c> or <c>aoss</c>, with basic auth the
/// password from the environment), and the pipeline's writer and start-up check on that client.
/// </summary>
public static class OpenSearchDestinationServiceCollectionExtensions
{
    /// <summary>The name of the pipeline's client in <see cref="IHttpClientFactory"/>.</summary>
    public static string ClientName(string pipelineName) => "delivery-opensearch:" + pipelineName;

    /// <summary>Registers the client of pipeline <paramref name="pipelineName"/> and the options validator.</summary>
    /// <param name="services">The container.</param>
    /// <param name="pipelineName">The pipeline.</param>
    /// <param name="options">Its OpenSearch settings.</param>
    /// <param name="region">The region SigV4 signs for when the settings name none (<c>Delivery:Aws:Region</c>).</param>
    public static IServiceCollection AddOpenSearchDestination(this IServiceCollection services, string pipelineName, OpenSearchDestinationOptions options, string region)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OpenSearchDestinationOptions>, OpenSearchDestinationOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        IHttpClientBuilder client = services.AddHttpClient(ClientName(pipelineName))
            .ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(options.ConnectTimeoutSeconds),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                AllowAutoRedirect = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
            });
        switch (options.Authentication.Mode)
        {
            case OpenSearchAuthenticationMode.SigV4:
                // OpenSearch Serverless requires x-amz-content-sha256; the managed service accepts it.
                var signer = new SigV4Signer(options.Authentication.Region ?? region, options.Authentication.Service, addContentSha256Header: true);
                client.AddHttpMessageHandler(sp => new SigV4SigningHandler(sp.GetRequiredService<AWSCredentials>(), signer, sp.GetService<TimeProvider>() ?? TimeProvider.System));
                break;
            case OpenSearchAuthenticationMode.Basic:
                client.AddHttpMessageHandler(() => BasicAuthenticationHandler.From(options.Authentication, Environment.GetEnvironmentVariable));
                break;
        }

        // The factory's own logging may print headers at Trace; neither the password nor a signature may reach a log.
        client.RedactLoggedHeaders(static _ => true);
        return services;
    }

    /// <summary>Creates the writer of one pipeline, with the pipeline's named client and the container's logging and clock.</summary>
    public static OpenSearchBatchWriter CreateOpenSearchBatchWriter(this IServiceProvider services, string pipelineName, OpenSearchDestinationOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new OpenSearchBatchWriter(
            options,
            services.GetRequiredService<IHttpClientFactory>().CreateClient(ClientName(pipelineName)),
            services.GetRequiredService<ILogger<OpenSearchBatchWriter>>(),
            services.GetService<TimeProvider>(),
            services.GetService<RecyclableMemoryStreamManager>());
    }

    /// <summary>The start-up check of one pipeline's cluster, over the same client as its deliveries.</summary>
    public static OpenSearchCheck CreateOpenSearchCheck(this IServiceProvider services, string pipelineName, OpenSearchDestinationOptions options, string setting)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new OpenSearchCheck(
            options,
            services.GetRequiredService<IHttpClientFactory>().CreateClient(ClientName(pipelineName)),
            setting,
            services.GetRequiredService<ILogger<OpenSearchCheck>>(),
            services.GetService<TimeProvider>());
    }
}
