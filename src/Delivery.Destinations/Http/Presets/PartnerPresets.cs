using System.Text.RegularExpressions;

namespace Delivery.Destinations.Http.Presets;

/// <summary>
/// The published Firehose endpoint URLs of partner services, per site or region, and the content encoding each
/// service asks for. Every URL is copied from the documentation cited beside it; a service whose endpoint is specific
/// to each customer (MongoDB Atlas, Dynatrace, Elastic, Sumo Logic, LogicMonitor) has no preset, since there is
/// no published URL to pick. Pure data and lookups: <see cref="Resolve"/> for the worker, <see cref="Match"/> for
/// import-firehose.
/// </summary>
public static partial class PartnerPresets
{
    /// <summary>Stands for the site in a URL template whose site is the customer's own (a Splunk realm).</summary>
    public const string SitePlaceholder = "{site}";

    /// <summary>Stands for the Honeycomb dataset in its URL template.</summary>
    public const string DatasetPlaceholder = "{dataset}";

    /// <summary>Every preset, in the order of <see cref="HttpEndpointPreset"/>.</summary>
    public static IReadOnlyList<PresetDefinition> All { get; } =
    [
        // AWS CDK API reference, DatadogEndpoint ("A Datadog endpoint URL for use with Kinesis Data Firehose"):
        // https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_kinesisfirehose.DatadogEndpoint.html
        // Datadog says to pick the logs URL of your site:
        // https://docs.datadoghq.com/logs/guide/send-aws-services-logs-with-the-datadog-kinesis-firehose-destination/
        // The CDK's Datadog destination sends GZIP by default.
        new(HttpEndpointPreset.DatadogLogs, "Datadog logs", HttpContentEncoding.Gzip,
            "https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_kinesisfirehose.DatadogEndpoint.html",
            new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["US1"] = "https://aws-kinesis-http-intake.logs.datadoghq.com/v1/input",
                ["US3"] = "https://aws-kinesis-http-intake.logs.us3.datadoghq.com/api/v2/logs?dd-protocol=aws-kinesis-firehose",
                ["US5"] = "https://aws-kinesis-http-intake.logs.us5.datadoghq.com/api/v2/logs?dd-protocol=aws-kinesis-firehose",
                ["EU"] = "https://aws-kinesis-http-intake.logs.datadoghq.eu/v1/input",
                ["AP1"] = "https://aws-kinesis-http-intake.logs.ap1.datadoghq.com/api/v2/logs?dd-protocol=aws-kinesis-firehose",
                ["GOV"] = "https://aws-kinesis-http-intake.logs.ddog-gov.com/v1/input",
            }),

        // The same CDK reference ("Metrics - US" is the US1 site). Datadog's metric streams guide says US3 and the
        // government site have no metric stream intake:
        // https://docs.datadoghq.com/integrations/guide/aws-cloudwatch-metric-streams-with-kinesis-data-firehose/
        new(HttpEndpointPreset.DatadogMetrics, "Datadog metrics", HttpContentEncoding.Gzip,
            "https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_kinesisfirehose.DatadogEndpoint.html",
            new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["US1"] = "https://awsmetrics-intake.datadoghq.com/v1/input",
                ["US5"] = "https://event-platform-intake.us5.datadoghq.com/api/v2/awsmetrics?dd-protocol=aws-kinesis-firehose",
                ["EU"] = "https://awsmetrics-intake.datadoghq.eu/v1/input",
                ["AP1"] = "https://event-platform-intake.ap1.datadoghq.com/api/v2/awsmetrics?dd-protocol=aws-kinesis-firehose",
            }),

        // New Relic, "Stream logs using Kinesis Data Firehose": US and EU endpoints, "Content encoding is set to GZIP".
        new(HttpEndpointPreset.NewRelicLogs, "New Relic logs", HttpContentEncoding.Gzip,
            "https://docs.newrelic.com/docs/logs/forward-logs/stream-logs-using-kinesis-data-firehose/",
            new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["US"] = "https://aws-api.newrelic.com/firehose/v1",
                ["EU"] = "https://aws-api.eu.newrelic.com/firehose/v1",
            }),

        // New Relic, "Set up the Amazon CloudWatch Metric Streams integration", manual setup: US and EU datacenter
        // URLs, content encoding GZIP.
        new(HttpEndpointPreset.NewRelicMetrics, "New Relic metrics", HttpContentEncoding.Gzip,
            "https://docs.newrelic.com/docs/infrastructure/amazon-integrations/connect/aws-metric-stream-setup/",
            new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["US"] = "https://aws-api.newrelic.com/cloudwatch-metrics/v1",
                ["EU"] = "https://aws-api.eu01.nr-data.net/cloudwatch-metrics/v1",
            }),

        // Honeycomb API reference, "Create Kinesis Events": POST /1/kinesis_events/{datasetSlug} on its API hosts
        // (api.honeycomb.io, and api.eu1.honeycomb.io for the EU); CloudWatch Logs data "is expected to have a gzip
        // Content-Encoding".
        new(HttpEndpointPreset.Honeycomb, "Honeycomb", HttpContentEncoding.Gzip,
            "https://docs.honeycomb.io/api/kinesis-events/create-kinesis-events",
            new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["US"] = "https://api.honeycomb.io/1/kinesis_events/" + DatasetPlaceholder,
                ["EU"] = "https://api.eu1.honeycomb.io/1/kinesis_events/" + DatasetPlaceholder,
            }),

        // Coralogix, Firehose Logs module, "Coralogix Regions & Description" (the module sends GZIP):
        // https://coralogix.com/docs/external/terraform-coralogix-aws/modules/firehose-logs/
        new(HttpEndpointPreset.Coralogix, "Coralogix", HttpContentEncoding.Gzip,
            "https://coralogix.com/docs/external/terraform-coralogix-aws/modules/firehose-logs/",
            new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["EU1"] = "https://ingress.coralogix.com/aws/firehose",
                ["EU2"] = "https://ingress.eu2.coralogix.com/aws/firehose",
                ["AP1"] = "https://ingress.app.coralogix.in/aws/firehose",
                ["AP2"] = "https://ingress.coralogixsg.com/aws/firehose",
                ["AP3"] = "https://ingress.ap3.coralogix.com/aws/firehose",
                ["US1"] = "https://ingress.coralogix.us/aws/firehose",
                ["US2"] = "https://ingress.cx498.coralogix.com/aws/firehose",
            }),

        // Splunk Observability Cloud, "Troubleshoot AWS-managed Metric Streams": the Firehose destination is
        // https://ingest.<realm>.signalfx.com/v1/cloudwatch_metric_stream, the realm being the organization's own
        // ("View your realm, API endpoints, and organization"). Splunk names no content encoding: Firehose's default, none.
        new(HttpEndpointPreset.SplunkObservability, "Splunk Observability Cloud", HttpContentEncoding.None,
            "https://docs.splunk.com/observability/en/gdi/get-data-in/connect/aws/aws-ts-ms-aws.html",
            new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                [SitePlaceholder] = "https://ingest." + SitePlaceholder + ".signalfx.com/v1/cloudwatch_metric_stream",
            },
            SiteForm: RealmForm(),
            SiteFormDescription: "the organization's realm, such as us0, us1 or eu0 (lowercase letters, then digits)"),

        // The Firehose developer guide, "Choose LogicMonitor for your destination": "https://ACCOUNT.logicmonitor.com",
        // ACCOUNT being the portal's account name (LogicMonitor, "Sending Logs to Ingestion API":
        // https://www.logicmonitor.com/support/lm-logs/sending-logs-to-the-lm-logs-ingestion-api, which also says the
        // service takes gzip content encoding).
        new(HttpEndpointPreset.LogicMonitor, "LogicMonitor", HttpContentEncoding.Gzip,
            "https://docs.aws.amazon.com/firehose/latest/dev/create-destination.html#create-destination-logicmonitor",
            new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                [SitePlaceholder] = "https://" + SitePlaceholder + ".logicmonitor.com",
            },
            SiteForm: AccountForm(),
            SiteFormDescription: "the LogicMonitor account (portal) name, as in https://ACCOUNT.logicmonitor.com: 1 to 63 lowercase letters, digits and '-', not starting or ending with '-'"),
    ];

    /// <summary>The definition of <paramref name="preset"/>.</summary>
    public static PresetDefinition Of(HttpEndpointPreset preset) => All.First(definition => definition.Preset == preset);

    /// <summary>
    /// The URL and encoding of <paramref name="preset"/> at <paramref name="site"/>, or what is wrong: an unknown or
    /// missing site (the message names the allowed ones), a missing or unusable dataset, or a dataset given to a preset
    /// that takes none. <see cref="PresetResolution.Setting"/> names the setting to fix.
    /// </summary>
    public static PresetResolution Resolve(HttpEndpointPreset preset, string? site, string? dataset)
    {
        PresetDefinition definition = Of(preset);
        bool takesDataset = definition.Sites.Values.Any(template => template.Contains(DatasetPlaceholder, StringComparison.Ordinal));
        if (string.IsNullOrEmpty(site))
        {
            return PresetResolution.Failure("Site", $"is required with Preset {preset}: {definition.AllowedSites}.");
        }

        string? template;
        if (definition.SiteForm is { } form)
        {
            if (!form.IsMatch(site))
            {
                return PresetResolution.Failure("Site", $"'{site}' is not a site of {preset}: use {definition.AllowedSites}.");
            }

            template = definition.Sites[SitePlaceholder].Replace(SitePlaceholder, site, StringComparison.Ordinal);
        }
        else if (!definition.Sites.TryGetValue(site, out template))
        {
            return PresetResolution.Failure("Site", $"'{site}' is not a site of {preset}: use one of {definition.AllowedSites}.");
        }

        if (!takesDataset)
        {
            return string.IsNullOrEmpty(dataset)
                ? PresetResolution.Success(new Uri(template), definition.ContentEncoding)
                : PresetResolution.Failure("Dataset", $"is only used by Preset {HttpEndpointPreset.Honeycomb}; {preset} takes none.");
        }

        if (string.IsNullOrEmpty(dataset) || !DatasetForm().IsMatch(dataset))
        {
            return PresetResolution.Failure("Dataset",
                $"{(string.IsNullOrEmpty(dataset) ? "is required" : $"'{dataset}' is not usable")} with Preset {preset}: the dataset's slug, of 1 to 255 letters, digits and - _ . ~ (it becomes part of the URL's path).");
        }

        return PresetResolution.Success(new Uri(template.Replace(DatasetPlaceholder, dataset, StringComparison.Ordinal)), definition.ContentEncoding);
    }

    /// <summary>
    /// The preset whose published URL <paramref name="url"/> is, with its site (and dataset), or null when it is no
    /// preset's. The comparison is exact but for the case of the scheme and host, as Firehose stores the URL as given.
    /// </summary>
    public static PresetMatch? Match(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        foreach (PresetDefinition definition in All)
        {
            foreach ((string site, string template) in definition.Sites)
            {
                Match match = TemplatePattern(template).Match(url);
                if (!match.Success)
                {
                    continue;
                }

                // A site taken from the host compares as a host does, ignoring case.
                string matchedSite = match.Groups["site"].Success ? match.Groups["site"].Value.ToLowerInvariant() : site;
                string? dataset = match.Groups["dataset"].Success ? match.Groups["dataset"].Value : null;
                if (Resolve(definition.Preset, matchedSite, dataset).Url is not null)
                {
                    return new PresetMatch(definition.Preset, matchedSite, dataset, definition.ContentEncoding);
                }
            }
        }

        return null;
    }

    // Scheme and host compare ignoring case, the path and query exactly; the placeholders match what they stand for.
    private static Regex TemplatePattern(string template)
    {
        // A URL that is a host alone (LogicMonitor's) also matches with the '/' of an empty path.
        int path = template.IndexOf('/', "https://".Length);
        string pathPattern = path < 0 ? "/?" : Part(template[path..]);
        static string Part(string text) => Regex.Escape(text)
            .Replace(Regex.Escape(SitePlaceholder), "(?<site>[^./]+)", StringComparison.Ordinal)
            .Replace(Regex.Escape(DatasetPlaceholder), "(?<dataset>[^/?#]+)", StringComparison.Ordinal);
        return new Regex($"^(?i:{Part(path < 0 ? template : template[..path])})(?-i:{pathPattern})$", RegexOptions.CultureInvariant);
    }

    [GeneratedRegex("^[a-z]{2}[0-9]{1,2}$")]
    private static partial Regex RealmForm();

    // One DNS label; LogicMonitor portal names are lowercase.
    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex AccountForm();

    [GeneratedRegex("^[A-Za-z0-9._~-]{1,255}$")]
    private static partial Regex DatasetForm();
}

/// <summary>One preset: the service, the encoding it asks for, the page its URLs come from, and its URL per site.</summary>
/// <param name="Preset">Which preset.</param>
/// <param name="Service">The service, as people call it.</param>
/// <param name="ContentEncoding">The encoding the service asks for; the pipeline's ContentEncoding, when set, wins.</param>
/// <param name="Documentation">The public page the URLs are copied from.</param>
/// <param name="Sites">Site name (ignoring case) to URL; a URL may hold <c>{dataset}</c>, and with <paramref name="SiteForm"/> the one entry's URL holds <c>{site}</c>.</param>
/// <param name="SiteForm">For a service whose site is the customer's own (a realm): the form a site must have.</param>
/// <param name="SiteFormDescription">What <paramref name="SiteForm"/> allows, in words, for error messages.</param>
public sealed record PresetDefinition(
    HttpEndpointPreset Preset,
    string Service,
    HttpContentEncoding ContentEncoding,
    string Documentation,
    IReadOnlyDictionary<string, string> Sites,
    Regex? SiteForm = null,
    string? SiteFormDescription = null)
{
    /// <summary>The allowed sites, for error messages and docs.</summary>
    public string AllowedSites => SiteFormDescription ?? string.Join(", ", Sites.Keys);
}

/// <summary>A preset resolved to its URL and encoding, or the setting (<c>Site</c> or <c>Dataset</c>) that stops it.</summary>
public sealed record PresetResolution(Uri? Url, HttpContentEncoding ContentEncoding, string? Setting, string? Problem)
{
    public static PresetResolution Success(Uri url, HttpContentEncoding encoding) => new(url, encoding, null, null);

    public static PresetResolution Failure(string setting, string problem) => new(null, HttpContentEncoding.None, setting, problem);
}

/// <summary>The preset a Firehose endpoint URL belongs to, with the site (and dataset) it names.</summary>
public sealed record PresetMatch(HttpEndpointPreset Preset, string Site, string? Dataset, HttpContentEncoding ContentEncoding);
