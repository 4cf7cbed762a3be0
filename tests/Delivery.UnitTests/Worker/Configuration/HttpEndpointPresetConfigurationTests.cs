using Delivery.Destinations.Http;
using Delivery.Destinations.Http.Presets;
using Delivery.Worker.Configuration;
using Microsoft.Extensions.Configuration;

namespace Delivery.UnitTests.Worker.Configuration;

/// <summary>HttpEndpoint:Preset as a user writes it: the key alone besides preset and site, and every mistake at its key path.</summary>
public sealed class HttpEndpointPresetConfigurationTests
{
    private const string P = "Delivery:Pipelines:logs";

    private static readonly Dictionary<string, string?> Datadog = new()
    {
        [$"{P}:Kinesis:StreamName"] = "app-logs",
        [$"{P}:HttpEndpoint:Preset"] = "DatadogLogs",
        [$"{P}:HttpEndpoint:Site"] = "EU",
        [$"{P}:HttpEndpoint:AccessKey"] = "dd-api-key",
        [$"{P}:Backup:BucketName"] = "failed-logs",
    };

    [Fact]
    public void APreset_NeedsOnlyItsSiteAndTheKey_AndBringsItsUrlAndEncoding()
    {
        HttpEndpointOptions http = Load(Datadog).Pipelines["logs"].HttpEndpoint!;

        http.Preset.ShouldBe(HttpEndpointPreset.DatadogLogs);
        http.Url.ShouldBeNull();
        http.EndpointUrl()!.OriginalString.ShouldBe("https://aws-kinesis-http-intake.logs.datadoghq.eu/v1/input");
        http.EffectiveContentEncoding().ShouldBe(HttpContentEncoding.Gzip);
        http.RedactedUrl().ShouldBe("https://aws-kinesis-http-intake.logs.datadoghq.eu/v1/input");
    }

    [Fact]
    public void AnExplicitContentEncoding_WinsOverThePresets()
    {
        HttpEndpointOptions http = Load(With(Datadog, "HttpEndpoint:ContentEncoding", "None")).Pipelines["logs"].HttpEndpoint!;

        http.EffectiveContentEncoding().ShouldBe(HttpContentEncoding.None);
    }

    [Theory]
    [InlineData("HttpEndpoint:Url", "https://aws-kinesis-http-intake.logs.datadoghq.eu/v1/input", "HttpEndpoint:Url", "is set together with Preset DatadogLogs, which supplies the URL")]
    [InlineData("HttpEndpoint:Site", "US2", "HttpEndpoint:Site", "'US2' is not a site of DatadogLogs: use one of US1, US3, US5, EU, AP1, GOV.")]
    [InlineData("HttpEndpoint:Site", "", "HttpEndpoint:Site", "is required with Preset DatadogLogs: US1, US3, US5, EU, AP1, GOV.")]
    [InlineData("HttpEndpoint:Dataset", "prod", "HttpEndpoint:Dataset", "only used by Preset Honeycomb")]
    public void AMistake_IsReportedAtItsKeyPath_NamingWhatIsAllowed(string key, string value, string reportedKey, string reason)
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With(Datadog, key, value)));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe($"{P}:{reportedKey}");
        problem.Problem.ShouldContain(reason);
    }

    [Fact]
    public void AnUnknownPreset_IsReported_NamingThePresets()
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With(Datadog, "HttpEndpoint:Preset", "Loggly")));

        // Without a preset the pipeline also has no URL, which is said too: set one or the other.
        error.Errors.ShouldContain(new ConfigurationValidationError(
            $"{P}:HttpEndpoint:Preset", "value 'Loggly' cannot be read as one of DatadogLogs, DatadogMetrics, NewRelicLogs, NewRelicMetrics, Honeycomb, Coralogix, SplunkObservability, LogicMonitor."));
        error.Errors.Count.ShouldBeLessThanOrEqualTo(2, string.Join("\n", error.Errors));
    }

    [Fact]
    public void NeitherUrlNorPreset_IsReportedAtUrl()
    {
        var settings = new Dictionary<string, string?>(Datadog) { [$"{P}:HttpEndpoint:Preset"] = null, [$"{P}:HttpEndpoint:Site"] = null };

        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(settings));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe($"{P}:HttpEndpoint:Url");
        problem.Problem.ShouldContain("or set Preset (and Site)");
    }

    [Fact]
    public void ASiteWithoutAPreset_IsReported()
    {
        var settings = new Dictionary<string, string?>(Datadog) { [$"{P}:HttpEndpoint:Preset"] = null, [$"{P}:HttpEndpoint:Url"] = "https://receiver.example.com/in" };

        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(settings));

        error.Errors.ShouldHaveSingleItem().ShouldBe(new ConfigurationValidationError($"{P}:HttpEndpoint:Site", "is only used with Preset, which is not set."));
    }

    [Fact]
    public void Honeycomb_TakesItsDataset()
    {
        var settings = new Dictionary<string, string?>(Datadog) { [$"{P}:HttpEndpoint:Preset"] = "Honeycomb", [$"{P}:HttpEndpoint:Site"] = "US", [$"{P}:HttpEndpoint:Dataset"] = "app-logs" };

        Load(settings).Pipelines["logs"].HttpEndpoint!.EndpointUrl()!.OriginalString.ShouldBe("https://api.honeycomb.io/1/kinesis_events/app-logs");
    }

    private static Dictionary<string, string?> With(Dictionary<string, string?> valid, string key, string value) => new(valid) { [$"{P}:{key}"] = value };

    private static DeliveryOptions Load(Dictionary<string, string?> settings) =>
        DeliveryOptionsLoader.Load(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
}
