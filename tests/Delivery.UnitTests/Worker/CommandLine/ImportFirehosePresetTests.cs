using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Delivery.Destinations.Http;
using Delivery.Destinations.Http.Presets;
using Delivery.Testing;
using Delivery.Worker.CommandLine;
using Delivery.Worker.Configuration;
using Microsoft.Extensions.Configuration;

namespace Delivery.UnitTests.Worker.CommandLine;

/// <summary>
/// import-firehose and the settings Delivery took over from Firehose: a partner's published endpoint URL becomes its
/// preset, and KMS keys of backup and staging buckets follow the objects written there.
/// </summary>
public sealed class ImportFirehosePresetTests
{
    private const string KeyArn = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9";
    private static readonly string Samples = Path.Combine(LocalAwsStack.RepositoryRoot, "tests", "Delivery.UnitTests", "Worker", "CommandLine", "FirehoseSamples");

    [Theory]
    [InlineData("https://aws-api.eu.newrelic.com/firehose/v1", "GZIP", HttpEndpointPreset.NewRelicLogs, "EU", null, null)]
    [InlineData("https://aws-api.eu.newrelic.com/firehose/v1", "NONE", HttpEndpointPreset.NewRelicLogs, "EU", null, "None")]
    [InlineData("https://awsmetrics-intake.datadoghq.eu/v1/input", "GZIP", HttpEndpointPreset.DatadogMetrics, "EU", null, null)]
    [InlineData("https://api.honeycomb.io/1/kinesis_events/checkout", "GZIP", HttpEndpointPreset.Honeycomb, "US", "checkout", null)]
    [InlineData("https://ingress.eu2.coralogix.com/aws/firehose", "GZIP", HttpEndpointPreset.Coralogix, "EU2", null, null)]
    [InlineData("https://ingest.eu0.signalfx.com/v1/cloudwatch_metric_stream", "NONE", HttpEndpointPreset.SplunkObservability, "eu0", null, null)]
    [InlineData("https://ingest.eu0.signalfx.com/v1/cloudwatch_metric_stream", "GZIP", HttpEndpointPreset.SplunkObservability, "eu0", null, "Gzip")]
    [InlineData("https://acme.logicmonitor.com", "GZIP", HttpEndpointPreset.LogicMonitor, "acme", null, null)]
    public void APartnersPublishedUrl_BecomesItsPreset_KeepingFirehosesEncoding(
        string url, string firehoseEncoding, HttpEndpointPreset preset, string site, string? dataset, string? writtenEncoding)
    {
        string sample = File.ReadAllText(Path.Combine(Samples, "http-endpoint.json"))
            .Replace("https://aws-kinesis-http-intake.logs.datadoghq.com/v1/input", url, StringComparison.Ordinal)
            .Replace("\"ContentEncoding\": \"GZIP\"", $"\"ContentEncoding\": \"{firehoseEncoding}\"", StringComparison.Ordinal);

        (ImportResult result, JsonObject http) = Import(sample);

        result.Problems.ShouldBeEmpty();
        http["Preset"]!.GetValue<string>().ShouldBe(preset.ToString());
        http["Site"]!.GetValue<string>().ShouldBe(site);
        (http["Dataset"]?.GetValue<string>()).ShouldBe(dataset);
        (http["ContentEncoding"]?.GetValue<string>()).ShouldBe(writtenEncoding);
        http.ContainsKey("Url").ShouldBeFalse();
        HttpEndpointOptions loaded = Load(result).Pipelines["app-logs-to-datadog"].HttpEndpoint!;
        loaded.EndpointUrl()!.OriginalString.ShouldBe(url, "the requests go where Firehose sent them");
        loaded.EffectiveContentEncoding().ShouldBe(firehoseEncoding == "GZIP" ? HttpContentEncoding.Gzip : HttpContentEncoding.None);
    }

    [Fact]
    public void AnyOtherUrl_StaysAUrl()
    {
        (ImportResult result, JsonObject http) = Import(File.ReadAllText(Path.Combine(Samples, "http-endpoint-all-data.json")), "audit-events-to-splunk");

        result.Problems.ShouldBeEmpty();
        http["Url"]!.GetValue<string>().ShouldStartWith("https://http-inputs-firehose-acme.splunkcloud.com:443/services/collector/raw");
        http.ContainsKey("Preset").ShouldBeFalse();
    }

    [Fact]
    public void TheKmsKeyOfAnHttpEndpointsBackupBucket_IsCarriedOver()
    {
        string sample = File.ReadAllText(Path.Combine(Samples, "http-endpoint.json"))
            .Replace("\"NoEncryptionConfig\": \"NoEncryption\"", $"\"KMSEncryptionConfig\": {{ \"AWSKMSKeyARN\": \"{KeyArn}\" }}", StringComparison.Ordinal);

        (ImportResult result, _) = Import(sample);

        result.Problems.ShouldBeEmpty();
        Load(result).Pipelines["app-logs-to-datadog"].EffectiveBackup().EncryptionConfiguration!.KmsKeyArn.ShouldBe(KeyArn);
    }

    [Fact]
    public void TheKmsKeyOfRedshiftsStagingBucket_IsCarriedOver_ToTheStagingAndTheFailedRecordsThere()
    {
        string sample = File.ReadAllText(Path.Combine(Samples, "redshift.json"))
            .Replace("\"NoEncryptionConfig\": \"NoEncryption\"", $"\"KMSEncryptionConfig\": {{ \"AWSKMSKeyARN\": \"{KeyArn}\" }}", StringComparison.Ordinal);

        (ImportResult result, _) = Import(sample, "orders-to-redshift", "Redshift");

        result.Problems.ShouldBeEmpty();
        PipelineOptions loaded = Load(result).Pipelines["orders-to-redshift"];
        loaded.Redshift!.IntermediateS3!.EncryptionConfiguration!.KmsKeyArn.ShouldBe(KeyArn);
        loaded.EffectiveBackup().BucketName.ShouldBe("acme-orders-staging");
        loaded.EffectiveBackup().EncryptionConfiguration!.KmsKeyArn.ShouldBe(KeyArn);
    }

    private static (ImportResult Result, JsonObject Destination) Import(string sample, string pipeline = "app-logs-to-datadog", string destination = "HttpEndpoint")
    {
        using JsonDocument document = JsonDocument.Parse(sample);
        ImportResult result = ImportFirehoseVerb.Import(document.RootElement);
        return (result, result.Configuration["Delivery"]!["Pipelines"]![pipeline]![destination]!.AsObject());
    }

    private static DeliveryOptions Load(ImportResult result) =>
        DeliveryOptionsLoader.Load(new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(result.Configuration.ToJsonString()))).Build());
}
