using Delivery.Destinations.Http;
using Delivery.Destinations.Http.Presets;

namespace Delivery.UnitTests.Destinations.Http.Presets;

/// <summary>
/// Each preset's URL and content encoding, written out here as the services publish them (the sources are cited in
/// <see cref="PartnerPresets"/> and docs/partner-presets.md), so a slip in the table fails a test rather than a delivery.
/// </summary>
public sealed class PartnerPresetsTests
{
    public static TheoryData<HttpEndpointPreset, string, string, HttpContentEncoding> Published() => new()
    {
        { HttpEndpointPreset.DatadogLogs, "US1", "https://aws-kinesis-http-intake.logs.datadoghq.com/v1/input", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.DatadogLogs, "US3", "https://aws-kinesis-http-intake.logs.us3.datadoghq.com/api/v2/logs?dd-protocol=aws-kinesis-firehose", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.DatadogLogs, "US5", "https://aws-kinesis-http-intake.logs.us5.datadoghq.com/api/v2/logs?dd-protocol=aws-kinesis-firehose", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.DatadogLogs, "EU", "https://aws-kinesis-http-intake.logs.datadoghq.eu/v1/input", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.DatadogLogs, "AP1", "https://aws-kinesis-http-intake.logs.ap1.datadoghq.com/api/v2/logs?dd-protocol=aws-kinesis-firehose", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.DatadogLogs, "GOV", "https://aws-kinesis-http-intake.logs.ddog-gov.com/v1/input", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.DatadogMetrics, "US1", "https://awsmetrics-intake.datadoghq.com/v1/input", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.DatadogMetrics, "US5", "https://event-platform-intake.us5.datadoghq.com/api/v2/awsmetrics?dd-protocol=aws-kinesis-firehose", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.DatadogMetrics, "EU", "https://awsmetrics-intake.datadoghq.eu/v1/input", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.DatadogMetrics, "AP1", "https://event-platform-intake.ap1.datadoghq.com/api/v2/awsmetrics?dd-protocol=aws-kinesis-firehose", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.NewRelicLogs, "US", "https://aws-api.newrelic.com/firehose/v1", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.NewRelicLogs, "EU", "https://aws-api.eu.newrelic.com/firehose/v1", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.NewRelicMetrics, "US", "https://aws-api.newrelic.com/cloudwatch-metrics/v1", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.NewRelicMetrics, "EU", "https://aws-api.eu01.nr-data.net/cloudwatch-metrics/v1", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.Coralogix, "EU1", "https://ingress.coralogix.com/aws/firehose", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.Coralogix, "EU2", "https://ingress.eu2.coralogix.com/aws/firehose", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.Coralogix, "AP1", "https://ingress.app.coralogix.in/aws/firehose", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.Coralogix, "AP2", "https://ingress.coralogixsg.com/aws/firehose", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.Coralogix, "AP3", "https://ingress.ap3.coralogix.com/aws/firehose", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.Coralogix, "US1", "https://ingress.coralogix.us/aws/firehose", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.Coralogix, "US2", "https://ingress.cx498.coralogix.com/aws/firehose", HttpContentEncoding.Gzip },
        { HttpEndpointPreset.SplunkObservability, "us0", "https://ingest.us0.signalfx.com/v1/cloudwatch_metric_stream", HttpContentEncoding.None },
        { HttpEndpointPreset.SplunkObservability, "eu1", "https://ingest.eu1.signalfx.com/v1/cloudwatch_metric_stream", HttpContentEncoding.None },
        { HttpEndpointPreset.LogicMonitor, "acme-prod", "https://acme-prod.logicmonitor.com", HttpContentEncoding.Gzip },
    };

    [Theory]
    [MemberData(nameof(Published))]
    public void EachSite_ResolvesToItsPublishedUrl_AndTheServicesEncoding(HttpEndpointPreset preset, string site, string url, HttpContentEncoding encoding)
    {
        PresetResolution resolved = PartnerPresets.Resolve(preset, site, dataset: null);

        resolved.Problem.ShouldBeNull();
        resolved.Url!.OriginalString.ShouldBe(url);
        resolved.ContentEncoding.ShouldBe(encoding);
        resolved.Url.AbsoluteUri.TrimEnd('/').ShouldBe(url, "the URL is sent as published, query included");
    }

    [Theory]
    [InlineData("US", "https://api.honeycomb.io/1/kinesis_events/prod-logs")]
    [InlineData("EU", "https://api.eu1.honeycomb.io/1/kinesis_events/prod-logs")]
    public void Honeycomb_PutsTheDatasetInThePath(string site, string url)
    {
        PresetResolution resolved = PartnerPresets.Resolve(HttpEndpointPreset.Honeycomb, site, "prod-logs");

        resolved.Url!.OriginalString.ShouldBe(url);
        resolved.ContentEncoding.ShouldBe(HttpContentEncoding.Gzip);
    }

    [Fact]
    public void EveryPreset_HasAPublishedSourceAndOnlyHttpsUrls_AndEveryDefinitionIsListedOnce()
    {
        PartnerPresets.All.Select(definition => definition.Preset).ShouldBe(Enum.GetValues<HttpEndpointPreset>());
        foreach (PresetDefinition definition in PartnerPresets.All)
        {
            definition.Documentation.ShouldStartWith("https://");
            definition.Sites.ShouldNotBeEmpty();
            definition.Sites.Values.ShouldAllBe(url => url.StartsWith("https://", StringComparison.Ordinal));
        }

        Published().Select(row => ((HttpEndpointPreset)row[0], (string)row[1])).Count()
            .ShouldBe(PartnerPresets.All.Where(d => d.SiteForm is null && d.Preset != HttpEndpointPreset.Honeycomb).Sum(d => d.Sites.Count) + 3,
                "every fixed site of every preset is pinned above (and two Splunk realms and a LogicMonitor account)");
    }

    [Fact]
    public void SitesMatch_IgnoringCase()
    {
        PartnerPresets.Resolve(HttpEndpointPreset.DatadogLogs, "eu", null).Url!.Host.ShouldBe("aws-kinesis-http-intake.logs.datadoghq.eu");
    }

    [Fact]
    public void AnUnknownSite_IsAnError_NamingTheAllowedOnes()
    {
        PresetResolution resolved = PartnerPresets.Resolve(HttpEndpointPreset.DatadogMetrics, "GOV", null);

        resolved.Url.ShouldBeNull();
        resolved.Setting.ShouldBe("Site");
        resolved.Problem.ShouldBe("'GOV' is not a site of DatadogMetrics: use one of US1, US5, EU, AP1.");
    }

    [Fact]
    public void AMissingSite_IsAnError_NamingTheAllowedOnes()
    {
        PresetResolution resolved = PartnerPresets.Resolve(HttpEndpointPreset.NewRelicLogs, null, null);

        resolved.Setting.ShouldBe("Site");
        resolved.Problem.ShouldBe("is required with Preset NewRelicLogs: US, EU.");
    }

    [Theory]
    [InlineData("US0")]
    [InlineData("us0.evil.example")]
    [InlineData("realm")]
    public void ARealmNotOfTheRealmForm_IsRefused(string realm)
    {
        PresetResolution resolved = PartnerPresets.Resolve(HttpEndpointPreset.SplunkObservability, realm, null);

        resolved.Url.ShouldBeNull();
        resolved.Problem.ShouldNotBeNull().ShouldContain("realm, such as us0");
    }

    [Theory]
    [InlineData("Acme")]
    [InlineData("acme.evil.example")]
    [InlineData("-acme")]
    [InlineData("acme_prod")]
    public void ALogicMonitorAccountThatIsNoHostName_IsRefused(string account)
    {
        PresetResolution resolved = PartnerPresets.Resolve(HttpEndpointPreset.LogicMonitor, account, null);

        resolved.Url.ShouldBeNull();
        resolved.Setting.ShouldBe("Site");
        resolved.Problem.ShouldNotBeNull().ShouldContain("account (portal) name, as in https://ACCOUNT.logicmonitor.com");
    }

    [Theory]
    [InlineData("https://ingest.US0.signalfx.com/v1/cloudwatch_metric_stream", HttpEndpointPreset.SplunkObservability, "us0")]
    [InlineData("https://Acme.LogicMonitor.com/", HttpEndpointPreset.LogicMonitor, "acme")]
    public void ASiteInTheHost_MatchesIgnoringCase_AsHostsDo(string url, HttpEndpointPreset preset, string site)
    {
        PresetMatch match = PartnerPresets.Match(url).ShouldNotBeNull();

        match.Preset.ShouldBe(preset);
        match.Site.ShouldBe(site);
    }

    [Theory]
    [InlineData(null, "is required")]
    [InlineData("", "is required")]
    [InlineData("logs/../admin", "is not usable")]
    [InlineData("logs?x=1", "is not usable")]
    public void HoneycombWithoutAUsableDataset_IsRefused(string? dataset, string reason)
    {
        PresetResolution resolved = PartnerPresets.Resolve(HttpEndpointPreset.Honeycomb, "US", dataset);

        resolved.Url.ShouldBeNull();
        resolved.Setting.ShouldBe("Dataset");
        resolved.Problem.ShouldNotBeNull().ShouldContain(reason);
    }

    [Fact]
    public void ADataset_ForAPresetThatTakesNone_IsRefused()
    {
        PresetResolution resolved = PartnerPresets.Resolve(HttpEndpointPreset.DatadogLogs, "US1", "prod");

        resolved.Setting.ShouldBe("Dataset");
        resolved.Problem.ShouldNotBeNull().ShouldContain("only used by Preset Honeycomb");
    }

    [Theory]
    [MemberData(nameof(Published))]
    public void EveryPublishedUrl_MatchesBackToItsPresetAndSite(HttpEndpointPreset preset, string site, string url, HttpContentEncoding encoding)
    {
        PresetMatch match = PartnerPresets.Match(url).ShouldNotBeNull();

        match.Preset.ShouldBe(preset);
        match.Site.ShouldBe(site);
        match.Dataset.ShouldBeNull();
        match.ContentEncoding.ShouldBe(encoding);
    }

    [Fact]
    public void AHoneycombUrl_MatchesWithItsDataset_AndTheHostIgnoringCase()
    {
        PresetMatch match = PartnerPresets.Match("https://API.EU1.honeycomb.io/1/kinesis_events/prod-logs").ShouldNotBeNull();

        match.ShouldBe(new PresetMatch(HttpEndpointPreset.Honeycomb, "EU", "prod-logs", HttpContentEncoding.Gzip));
    }

    [Theory]
    [InlineData("https://aws-kinesis-http-intake.logs.datadoghq.com/v1/input/extra")]
    [InlineData("https://aws-kinesis-http-intake.logs.datadoghq.com/V1/INPUT")]
    [InlineData("https://aws-kinesis-http-intake.logs.us3.datadoghq.com/api/v2/logs")]
    [InlineData("http://aws-api.newrelic.com/firehose/v1")]
    [InlineData("https://receiver.example.com/firehose/v1")]
    [InlineData("https://acme.logicmonitor.com/rest/log/ingest")]
    [InlineData("https://acme.logicmonitor.com.evil.example")]
    public void AnyOtherUrl_IsNoPresets(string url) => PartnerPresets.Match(url).ShouldBeNull();
}
