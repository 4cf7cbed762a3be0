using Microsoft.Extensions.DependencyInjection;

namespace Delivery.Destinations.Requests;

/// <summary>
/// The named <see cref="HttpClient"/> of a destination that posts requests (HTTP endpoint, Splunk): pooled connections
/// renewed every 5 minutes so DNS changes are seen, the pipeline's connect timeout, no client timeout (the writer
/// times each attempt), no automatic redirects or decompression, and headers redacted from the factory's own logs,
/// since they carry secrets.
/// </summary>
public static class DestinationHttpClients
{
    /// <summary>Registers client <paramref name="clientName"/>.</summary>
    /// <param name="services">The container.</param>
    /// <param name="clientName">The name in <see cref="IHttpClientFactory"/>.</param>
    /// <param name="connectTimeoutSeconds">How long opening a connection (TCP and TLS) may take.</param>
    /// <param name="useCookies">Whether the handler keeps cookies; false when the writer keeps them itself.</param>
    public static IHttpClientBuilder AddDestinationHttpClient(this IServiceCollection services, string clientName, int connectTimeoutSeconds, bool useCookies = true) =>
        services.AddHttpClient(clientName)
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(connectTimeoutSeconds),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                AllowAutoRedirect = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                UseCookies = useCookies,
            })
            .RedactLoggedHeaders(static _ => true);
}
