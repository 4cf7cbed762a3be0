using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Delivery.Destinations.OpenSearch;
using Delivery.Testing;
using Delivery.Worker.CommandLine;
using Delivery.Worker.Configuration;
using Microsoft.Extensions.Configuration;

namespace Delivery.UnitTests.Worker.CommandLine;

/// <summary>import-firehose on Firehose's OpenSearch Service and (older) Elasticsearch destinations.</summary>
public sealed class ImportFirehoseOpenSearchTests
{
    private static readonly string Samples = Path.Combine(LocalAwsStack.RepositoryRoot, "tests", "Delivery.UnitTests", "Worker", "CommandLine", "FirehoseSamples");

    [Fact]
    public void AnOpenSearchServiceDestination_ImportsToAConfigurationThatValidates()
    {
        ImportResult result = Import("opensearch.json");

        result.Problems.ShouldBeEmpty();
        PipelineOptions loaded = Load(result).Pipelines["app-logs-to-opensearch"];
        OpenSearchDestinationOptions openSearch = loaded.OpenSearch!;
        openSearch.Endpoint.ShouldBe(new Uri("https://vpc-app-logs-x7k2m9q4r1.eu-central-1.es.amazonaws.com"));
        openSearch.IndexName.ShouldBe("app-logs");
        openSearch.IndexRotationPeriod.ShouldBe(OpenSearchIndexRotation.OneWeek);
        openSearch.RetryDurationSeconds.ShouldBe(600);
        openSearch.S3BackupMode.ShouldBe(OpenSearchBackupMode.AllDocuments);
        openSearch.DocumentIdFormat.ShouldBe(OpenSearchDocumentIds.Deterministic);
        openSearch.Authentication.Mode.ShouldBe(OpenSearchAuthenticationMode.SigV4);
        openSearch.Authentication.Region.ShouldBe("eu-central-1", "the domain's region, not the stream's, signs the requests");
        loaded.Buffering.SizeInMBs.ShouldBe(5);
        loaded.Buffering.IntervalInSeconds.ShouldBe(60);
        loaded.Backup!.BucketName.ShouldBe("acme-app-logs-backup");
        loaded.Backup.Prefix.ShouldBe("all-documents/");
        loaded.Backup.ErrorOutputPrefix.ShouldBe("failed/!{firehose:error-output-type}/");
        DeliveryOptionsRules.BacksUpSourceRecords(loaded).ShouldBeTrue();
        result.Notes.ShouldContain(note => note.Contains("vpc-0fedcba9876543210", StringComparison.Ordinal), "reaching a domain in a VPC is explained");
        result.Notes.ShouldContain(note => note.Contains("es:ESHttpPost", StringComparison.Ordinal), "the permission the task role needs is named");
    }

    [Fact]
    public void AnElasticsearchDestinationNamedByItsDomain_KeepsTypeAndIds_AndSaysWhereToFindTheEndpoint()
    {
        ImportResult result = Import("elasticsearch-domain-arn.json");
        JsonObject openSearch = result.Configuration["Delivery"]!["Pipelines"]!["audit-to-elasticsearch"]!["OpenSearch"]!.AsObject();

        openSearch["IndexName"]!.GetValue<string>().ShouldBe("audit");
        openSearch["TypeName"]!.GetValue<string>().ShouldBe("event");
        openSearch["IndexRotationPeriod"]!.GetValue<string>().ShouldBe("NoRotation");
        openSearch["DocumentIdFormat"]!.GetValue<string>().ShouldBe("None", "Firehose's NO_DOCUMENT_ID lets the cluster choose ids");
        openSearch.ContainsKey("Endpoint").ShouldBeFalse();
        result.Notes.ShouldContain(note => note.Contains("aws opensearch describe-domain --domain-name audit-search", StringComparison.Ordinal));
        result.Problems.ShouldContain(problem => problem.KeyPath.EndsWith(":OpenSearch:Endpoint", StringComparison.Ordinal), "without an endpoint there is nothing to run");
    }

    private static ImportResult Import(string sample)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Samples, sample)));
        return ImportFirehoseVerb.Import(document.RootElement);
    }

    private static DeliveryOptions Load(ImportResult result) =>
        DeliveryOptionsLoader.Load(new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(result.Configuration.ToJsonString()))).Build());
}
