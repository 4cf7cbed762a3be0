using System.Globalization;
using System.Net;
using Delivery.Worker.Health;
using Microsoft.Extensions.Configuration;

namespace Delivery.Worker.CommandLine;

/// <summary>
/// <c>health [live|ready] [--port N]</c>: asks a worker's own health endpoint, for container health checks in images
/// that have no curl. Exit 0 when healthy, 1 otherwise. The port and address come from the same configuration the
/// worker reads (Delivery:Health), so the image needs no second place to set them.
/// </summary>
internal static class HealthVerb
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args, IConfiguration configuration, TextWriter output, TextWriter error)
    {
        string path = args.Skip(1).Contains("ready", StringComparer.OrdinalIgnoreCase) ? HealthServer.ReadyPath : HealthServer.LivePath;
        var health = new HealthOptions();
        configuration.GetSection("Delivery:Health").Bind(health);
        if (configuration["port"] is { } port)
        {
            health.Port = int.Parse(port, CultureInfo.InvariantCulture);
        }

        if (!health.Enabled)
        {
            await error.WriteLineAsync("health: the health endpoints are disabled (Delivery:Health:Enabled is false).").ConfigureAwait(false);
            return 1;
        }

        if (health.Port == 0)
        {
            await error.WriteLineAsync("health: Delivery:Health:Port is 0 (any free port); pass the port the worker logged with --port N.").ConfigureAwait(false);
            return 1;
        }

        IPAddress address = IPAddress.Parse(health.ListenAddress);
        if (address.Equals(IPAddress.Any))
        {
            address = IPAddress.Loopback;
        }
        else if (address.Equals(IPAddress.IPv6Any))
        {
            address = IPAddress.IPv6Loopback;
        }

        var url = new UriBuilder(Uri.UriSchemeHttp, address.ToString(), health.Port, path).Uri;
        using var client = new HttpClient { Timeout = Timeout };
        try
        {
            using HttpResponseMessage response = await client.GetAsync(url).ConfigureAwait(false);
            await output.WriteLineAsync(await response.Content.ReadAsStringAsync().ConfigureAwait(false)).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await error.WriteLineAsync($"health: {url} did not answer: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
