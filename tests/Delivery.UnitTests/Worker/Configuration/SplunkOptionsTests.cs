using Delivery.Destinations.Splunk;
using Delivery.Worker.Configuration;
using Microsoft.Extensions.Configuration;

namespace Delivery.UnitTests.Worker.Configuration;

public sealed class SplunkOptionsTests
{
    private const string P = "Delivery:Pipelines:logs";
    private const string Token = "4ab1c9d2-secret-hec-token";

    private static readonly Dictionary<string, string?> Splunk = new()
    {
        [$"{P}:Kinesis:StreamName"] = "app-logs",
        [$"{P}:Buffering:SizeInMBs"] = "5",
        [$"{P}:Splunk:HecEndpoint"] = "https://http-inputs-firehose-acme.splunkcloud.com:443",
        [$"{P}:Splunk:HecTokenVariable"] = "SPLUNK_HEC_TOKEN_LOGS",
        [$"{P}:Backup:BucketName"] = "failed-records",
    };

    [Fact]
    public void ASplunkPipeline_LoadsWithFirehoseDefaults()
    {
        SplunkDestinationOptions splunk = Load(Splunk).Pipelines["logs"].Splunk!;

        splunk.HecEndpointType.ShouldBe(HecEndpointType.Raw);
        splunk.EventFormat.ShouldBe(SplunkEventFormat.HecEvents);
        splunk.HecAcknowledgmentTimeoutInSeconds.ShouldBe(180);
        splunk.RetryDurationSeconds.ShouldBe(300);
        splunk.S3BackupMode.ShouldBe(SplunkBackupMode.FailedEventsOnly);
        DeliveryOptionsRules.BacksUpSourceRecords(Load(With($"{P}:Splunk:S3BackupMode", "AllEvents")).Pipelines["logs"]).ShouldBeTrue();
    }

    [Theory]
    [InlineData("Splunk:HecEndpoint", "http://splunk.example.com:8088", "Splunk:HecEndpoint", "AllowPlainHttp")]
    [InlineData("Splunk:HecEndpoint", "https://splunk.example.com:8088/services/collector/raw", "Splunk:HecEndpoint", "base URL")]
    [InlineData("Splunk:HecEndpoint", "https://splunk.example.com:8088/?token=abc", "Splunk:HecEndpoint", "query")]
    [InlineData("Splunk:HecEndpoint", "ftp://splunk.example.com", "Splunk:HecEndpoint", "https://")]
    [InlineData("Splunk:HecAcknowledgmentTimeoutInSeconds", "179", "Splunk:HecAcknowledgmentTimeoutInSeconds", "between 180 and 600")]
    [InlineData("Splunk:HecAcknowledgmentTimeoutInSeconds", "601", "Splunk:HecAcknowledgmentTimeoutInSeconds", "between 180 and 600")]
    [InlineData("Splunk:RetryDurationSeconds", "7201", "Splunk:RetryDurationSeconds", "between 0 and 7200")]
    [InlineData("Splunk:HecEndpointType", "Metrics", "Splunk:HecEndpointType", "Raw, Event")]
    [InlineData("Splunk:EventFormat", "WrapEachRecord", "Splunk:EventFormat", "event endpoint only")]
    [InlineData("Splunk:S3BackupMode", "AllData", "Splunk:S3BackupMode", "AllEvents")]
    [InlineData("Splunk:HecTokenVariable", "1BAD-NAME", "Splunk:HecTokenVariable", "environment variable name")]
    [InlineData("Buffering:SizeInMBs", "6", "Buffering:SizeInMBs", "1 to 5 MiB")]
    public void ABadSplunkSetting_IsReportedAtItsKeyPath(string key, string value, string reportedKey, string reason)
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With($"{P}:{key}", value)));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe($"{P}:{reportedKey}");
        problem.Problem.ShouldContain(reason);
    }

    [Fact]
    public void PlainHttp_IsAccepted_WhenExplicitlyAllowed()
    {
        Dictionary<string, string?> settings = With($"{P}:Splunk:HecEndpoint", "http://127.0.0.1:8088");
        settings[$"{P}:Splunk:AllowPlainHttp"] = "true";

        Load(settings).Pipelines["logs"].Splunk!.HecEndpoint.ShouldBe(new Uri("http://127.0.0.1:8088"));
    }

    [Fact]
    public void ATokenVariableThatIsNotSet_IsReported()
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(Splunk, _ => null));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe($"{P}:Splunk:HecTokenVariable");
        problem.Problem.ShouldContain("'SPLUNK_HEC_TOKEN_LOGS' is not set");
    }

    [Theory]
    [InlineData("token-with-a\nline-break", "line break")]
    [InlineData(" padded-token", "whitespace")]
    public void ATokenAnHttpHeaderCannotCarry_IsReported_WithoutItsValue(string token, string why)
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(Splunk, _ => token));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.Problem.ShouldContain(why);
        problem.Problem.ShouldNotContain(token.Trim());
    }

    [Fact]
    public void SplunkBesideAnotherDestination_IsReported()
    {
        Dictionary<string, string?> settings = With($"{P}:S3:BucketName", "also-a-bucket");

        Should.Throw<InvalidDeliveryConfigurationException>(() => Load(settings)).Errors.ShouldHaveSingleItem().Problem.ShouldContain("exactly one of S3, HttpEndpoint, Redshift, OpenSearch and Splunk");
    }

    private static Dictionary<string, string?> With(string key, string value) => new(Splunk) { [key] = value };

    private static DeliveryOptions Load(Dictionary<string, string?> settings, Func<string, string?>? environment = null) =>
        DeliveryOptionsLoader.Load(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), environment ?? (name => name == "SPLUNK_HEC_TOKEN_LOGS" ? Token : null));
}
