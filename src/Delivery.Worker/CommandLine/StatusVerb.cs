using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Text.Json;
using Delivery.Worker.Health;
using Microsoft.Extensions.Configuration;

namespace Delivery.Worker.CommandLine;

/// <summary>
/// <c>status [--url URL]</c>: the dashboard in a terminal, for <c>docker exec</c> and SSH sessions. Reads
/// <c>/status</c> from a running worker: the one <c>--url</c> names (its base address or its /status), or by default
/// this host's worker on the configured <c>Delivery:Health:Port</c>. Exit 0 when the worker answered
/// (whatever it said: <c>health ready</c> is the check), 1 when it did not, 2 for arguments it does not know.
/// </summary>
internal static class StatusVerb
{
    /// <summary>The verb's synopsis, as <c>--help</c>, the docs and usage errors give it.</summary>
    public const string Synopsis = "status [--url URL]";

    private const string UrlOption = "--url";

    // The status document reads the lease table with a 5 s limit of its own.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(string[] args, IConfiguration configuration, TextWriter output, TextWriter error)
    {
        if (!VerbArguments.TryParse(args.AsSpan(1), [UrlOption], [], out Dictionary<string, string> values, out _, out string? problem))
        {
            await error.WriteLineAsync($"status: {problem} Usage: Delivery.Worker {Synopsis} (also --url=URL, --config FILE, --Delivery:Key=value).").ConfigureAwait(false);
            return 2;
        }

        Uri? target;
        if (values.TryGetValue(UrlOption, out string? url))
        {
            if (!TryStatusUrl(url, out target))
            {
                await error.WriteLineAsync($"status: '{url}' is not an http:// or https:// URL. Usage: Delivery.Worker {Synopsis}.").ConfigureAwait(false);
                return 2;
            }
        }
        else
        {
            var health = new HealthOptions();
            configuration.GetSection("Delivery:Health").Bind(health);
            if (!health.Enabled || health.Port == 0)
            {
                await error.WriteLineAsync($"status: {(health.Enabled ? "Delivery:Health:Port is 0 (any free port)" : "the health endpoints are disabled (Delivery:Health:Enabled is false)")}; pass the worker's address with --url URL.").ConfigureAwait(false);
                return 1;
            }

            target = new UriBuilder(Uri.UriSchemeHttp, HealthVerb.ProbeAddress(health.ListenAddress).ToString(), health.Port, HealthServer.StatusPath).Uri;
        }

        using var client = new HttpClient { Timeout = Timeout };
        string body;
        try
        {
            using HttpResponseMessage response = await client.GetAsync(target).ConfigureAwait(false);
            body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                await error.WriteLineAsync($"status: {target} answered {(int)response.StatusCode} {response.ReasonPhrase}.").ConfigureAwait(false);
                return 1;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await error.WriteLineAsync($"status: {target} did not answer: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        try
        {
            using JsonDocument status = JsonDocument.Parse(body);
            StatusFormatter.Write(status.RootElement, output);
            return 0;
        }
        catch (JsonException ex)
        {
            await error.WriteLineAsync($"status: {target} did not answer with a status document ({ex.Message}); is it a Delivery worker's health port?").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>The /status URL for what the user gave: a worker's base address, or its /status itself.</summary>
    public static bool TryStatusUrl(string text, [NotNullWhen(true)] out Uri? url)
    {
        url = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? given) || (given.Scheme != Uri.UriSchemeHttp && given.Scheme != Uri.UriSchemeHttps))
        {
            return false;
        }

        string path = given.AbsolutePath.TrimEnd('/');
        url = path.EndsWith(HealthServer.StatusPath, StringComparison.Ordinal) ? given : new UriBuilder(given) { Path = path + HealthServer.StatusPath, Query = "" }.Uri;
        return true;
    }
}
