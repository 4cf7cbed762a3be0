using Delivery.Destinations.OpenSearch;
using Delivery.Worker.Configuration;
using Microsoft.Extensions.Configuration;

namespace Delivery.UnitTests.Worker.Configuration;

public sealed class OpenSearchOptionsTests
{
    private const string P = "Delivery:Pipelines:logs";

    private static readonly Dictionary<string, string?> Valid = new()
    {
        [$"{P}:Kinesis:StreamName"] = "app-logs",
        [$"{P}:OpenSearch:Endpoint"] = "https://search-logs-abc123.eu-west-1.es.amazonaws.com",
        [$"{P}:OpenSearch:IndexName"] = "app-logs",
        [$"{P}:Backup:BucketName"] = "failed-documents",
    };

    [Fact]
    public void AnOpenSearchPipeline_LoadsWithFirehoseDefaults()
    {
        PipelineOptions pipeline = Load(Valid).Pipelines["logs"];
        OpenSearchDestinationOptions openSearch = pipeline.OpenSearch!;

        openSearch.IndexRotationPeriod.ShouldBe(OpenSearchIndexRotation.OneDay);
        openSearch.RetryDurationSeconds.ShouldBe(300);
        openSearch.S3BackupMode.ShouldBe(OpenSearchBackupMode.FailedDocumentsOnly);
        openSearch.DocumentIdFormat.ShouldBe(OpenSearchDocumentIds.Deterministic);
        openSearch.TypeName.ShouldBeNull();
        openSearch.Authentication.Mode.ShouldBe(OpenSearchAuthenticationMode.SigV4);
        openSearch.Authentication.Service.ShouldBe("es");
        DeliveryOptionsRules.BacksUpSourceRecords(pipeline).ShouldBeFalse();
    }

    [Theory]
    [InlineData("OpenSearch:Endpoint", "http://127.0.0.1:9200", "OpenSearch:Endpoint", "AllowPlainHttp")]
    [InlineData("OpenSearch:Endpoint", "https://admin:pw@search.example", "OpenSearch:Endpoint", "user info")]
    [InlineData("OpenSearch:IndexName", "App-Logs", "OpenSearch:IndexName", "lowercase")]
    [InlineData("OpenSearch:IndexName", "_logs", "OpenSearch:IndexName", "cannot start with '_'")]
    [InlineData("OpenSearch:IndexRotationPeriod", "Daily", "OpenSearch:IndexRotationPeriod", "OneDay")]
    [InlineData("OpenSearch:RetryDurationSeconds", "7201", "OpenSearch:RetryDurationSeconds", "between 0 and 7200")]
    [InlineData("OpenSearch:S3BackupMode", "AllData", "OpenSearch:S3BackupMode", "AllDocuments")]
    [InlineData("OpenSearch:MaxBulkRequestSizeInMBs", "0", "OpenSearch:MaxBulkRequestSizeInMBs", "between 1 and 100")]
    [InlineData("OpenSearch:Authentication:Service", "lambda", "OpenSearch:Authentication:Service", "'aoss'")]
    [InlineData("OpenSearch:Authentication:Username", "admin", "OpenSearch:Authentication:Mode", "set Mode to Basic")]
    [InlineData("Buffering:SizeInMBs", "101", "Buffering:SizeInMBs", "1 to 100 MiB")]
    public void ABadOpenSearchSetting_IsReportedAtItsKeyPath(string key, string value, string reportedKey, string reason)
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With(Valid, $"{P}:{key}", value)));

        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe($"{P}:{reportedKey}");
        problem.Problem.ShouldContain(reason);
    }

    [Fact]
    public void AnOpenSearchPipelineWithoutAnIndex_IsReportedAtIndexName()
    {
        var settings = new Dictionary<string, string?>(Valid);
        settings.Remove($"{P}:OpenSearch:IndexName");

        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(settings));

        error.Errors.ShouldContain(problem => problem.KeyPath == $"{P}:OpenSearch:IndexName");
    }

    [Fact]
    public void BasicAuth_ReadsItsPasswordFromTheVariableItNames_AndAnUnsetVariableIsReported_WithoutAnyValue()
    {
        Dictionary<string, string?> settings = With(Valid, $"{P}:OpenSearch:Authentication:Mode", "Basic");
        settings[$"{P}:OpenSearch:Authentication:Username"] = "delivery";
        settings[$"{P}:OpenSearch:Authentication:PasswordVariable"] = "OPENSEARCH_PASSWORD";

        Load(settings, name => name == "OPENSEARCH_PASSWORD" ? "s3cr3t-pw" : null).Pipelines["logs"].OpenSearch!.Authentication.Mode.ShouldBe(OpenSearchAuthenticationMode.Basic);
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(settings, _ => null));
        ConfigurationValidationError problem = error.Errors.ShouldHaveSingleItem();
        problem.KeyPath.ShouldBe($"{P}:OpenSearch:Authentication:PasswordVariable");
        problem.Problem.ShouldContain("'OPENSEARCH_PASSWORD' is not set");
    }

    [Fact]
    public void BasicAuth_WithoutAUserOrAPasswordVariable_NamesBoth()
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(With(Valid, $"{P}:OpenSearch:Authentication:Mode", "Basic")));

        error.Errors.Select(problem => problem.KeyPath).Order(StringComparer.Ordinal)
            .ShouldBe([$"{P}:OpenSearch:Authentication:PasswordVariable", $"{P}:OpenSearch:Authentication:Username"]);
    }

    [Fact]
    public void APasswordInTheConfiguration_IsNotASetting()
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(
            () => Load(With(Valid, $"{P}:OpenSearch:Authentication:Password", "hunter2")));

        error.Errors.ShouldHaveSingleItem().KeyPath.ShouldBe($"{P}:OpenSearch:Authentication:Password");
        error.Message.ShouldNotContain("hunter2");
    }

    [Fact]
    public void AllDocuments_BacksUpEverySourceRecord_UnderItsOwnPrefix()
    {
        Dictionary<string, string?> settings = With(Valid, $"{P}:OpenSearch:S3BackupMode", "AllDocuments");
        settings[$"{P}:Backup:Prefix"] = "source/";

        DeliveryOptionsRules.BacksUpSourceRecords(Load(settings).Pipelines["logs"]).ShouldBeTrue();
    }

    [Fact]
    public void TheStatusPageAndDashboard_ShowTheClusterAndIndex_WithoutUserInfo()
    {
        PipelineOptions pipeline = Load(With(Valid, $"{P}:OpenSearch:IndexRotationPeriod", "OneHour")).Pipelines["logs"];

        Delivery.Worker.Hosting.DestinationWiring.Describe(pipeline)
            .ShouldBe("https://search-logs-abc123.eu-west-1.es.amazonaws.com/ index app-logs (OneHour)");
    }

    private static Dictionary<string, string?> With(Dictionary<string, string?> valid, string key, string value) => new(valid) { [key] = value };

    private static DeliveryOptions Load(Dictionary<string, string?> settings, Func<string, string?>? environment = null) =>
        DeliveryOptionsLoader.Load(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), environment ?? (_ => null));
}
