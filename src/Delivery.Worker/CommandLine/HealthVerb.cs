using System.Globalization;
using System.Net;
using Delivery.Worker.Configuration;
using Delivery.Worker.Health;
using Microsoft.Extensions.Configuration;

namespace Delivery.Worker.CommandLine;

/// <summary>
/// <c>health [ready] [--port N]</c>: asks a worker's own health endpoint, for container health checks in images that
/// have no curl. Liveness (<c>/health/live</c>) unless <c>ready</c> (or <c>--ready</c>) asks readiness. Exit 0 when
/// healthy, 1 otherwise, 2 for arguments it does not know. The port and address come from the same configuration the
/// worker reads (Delivery:Health), so the image needs no second place to set them; <c>--port</c> overrides the port.
/// </summary>
internal static class HealthVerb
{
    /// <summary>The verb's synopsis, as <c>--help</c>, docs/operations.md and usage errors give it.</summary>
    public const string Synopsis = "health [ready] [--port N]";

    private const string PortOption = "--port";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args, IConfiguration configuration, TextWriter output, TextWriter error)
    {
        if (!TryParse(args.AsSpan(1), out bool ready, out int? port, out string? problem))
        {
            await error.WriteLineAsync($"health: {problem} Usage: Delivery.Worker {Synopsis} (also --ready, --port=N, --config FILE, --Delivery:Key=value).").ConfigureAwait(false);
            return 2;
        }

        var health = new HealthOptions();
        configuration.GetSection("Delivery:Health").Bind(health);
        health.Port = port ?? health.Port;
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

        var url = new UriBuilder(Uri.UriSchemeHttp, ProbeAddress(health.ListenAddress).ToString(), health.Port, ready ? HealthServer.ReadyPath : HealthServer.LivePath).Uri;
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

    /// <summary>
    /// Writes the verb's own switches as words, so that the command-line configuration provider, which reads
    /// <c>--ready --port 9000</c> as the setting <c>ready</c> with the value <c>--port</c>, leaves them alone and still
    /// sees <c>--port</c> and <c>--config</c>.
    /// </summary>
    public static string[] Normalize(string[] args) =>
        [.. args.Select((arg, i) => i > 0 && arg is "--ready" or "--live" ? arg[2..] : arg)];

    private static bool TryParse(ReadOnlySpan<string> args, out bool ready, out int? port, out string? problem)
    {
        (ready, port) = (false, null);
        if (!VerbArguments.TryParse(args, [PortOption], ["ready", "--ready", "live", "--live"], out Dictionary<string, string> values, out List<string> flags, out problem))
        {
            return false;
        }

        ready = flags.LastOrDefault()?.EndsWith("ready", StringComparison.Ordinal) == true;
        if (values.TryGetValue(PortOption, out string? value))
        {
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number is < 1 or > 65535)
            {
                problem = $"port '{value}' is not a TCP port (1 to 65535).";
                return false;
            }

            port = number;
        }

        return true;
    }

    // A worker listening on every interface is asked on loopback: the check runs beside it.
    internal static IPAddress ProbeAddress(string listenAddress)
    {
        IPAddress address = IPAddress.Parse(listenAddress);
        return address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : address;
    }
}
