using System.Buffers;
using System.Text.Json;
using Delivery.DirectPut;
using Delivery.DirectPut.Protocol;
using Delivery.Worker.CommandLine;

namespace Delivery.UnitTests.DirectPut.Protocol;

/// <summary>DescribeDeliveryStream of an OpenSearch pipeline, in the shape Firehose describes its OpenSearch Service destination.</summary>
public sealed class OpenSearchDescriptionTests
{
    [Fact]
    public void AnOpenSearchPipeline_IsDescribedAsFirehoseDescribesIt_AndImportsBackToTheSameSettings()
    {
        var destination = new DestinationSummary(DestinationKind.AmazonOpenSearchService, 5, 60)
        {
            Url = "https://search-logs-abc.eu-west-1.es.amazonaws.com",
            IndexName = "app-logs",
            TypeName = "_doc",
            IndexRotationPeriod = "OneHour",
        };
        var stream = new DeliveryStreamEntry("app-logs", "eu-west-1", "123456789012", "app-logs", AcceptsDirectPut: false, destination);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            FirehoseResponseWriter.WriteDescribeDeliveryStream(writer, stream, encrypted: false, DateTimeOffset.UnixEpoch);
        }

        using JsonDocument described = JsonDocument.Parse(buffer.WrittenMemory);
        JsonElement openSearch = described.RootElement.GetProperty("DeliveryStreamDescription").GetProperty("Destinations")[0].GetProperty("AmazonopensearchserviceDestinationDescription");
        openSearch.GetProperty("ClusterEndpoint").GetString().ShouldBe("https://search-logs-abc.eu-west-1.es.amazonaws.com");
        openSearch.GetProperty("IndexName").GetString().ShouldBe("app-logs");
        openSearch.GetProperty("TypeName").GetString().ShouldBe("_doc");
        openSearch.GetProperty("IndexRotationPeriod").GetString().ShouldBe("OneHour");
        openSearch.GetProperty("BufferingHints").GetProperty("SizeInMBs").GetInt32().ShouldBe(5);

        // What Delivery describes, import-firehose reads back.
        JsonElement imported = JsonDocument.Parse(FirehoseImporter.Map(described.RootElement, null).Settings.ToJsonString()).RootElement.GetProperty("OpenSearch");
        imported.GetProperty("Endpoint").GetString().ShouldBe("https://search-logs-abc.eu-west-1.es.amazonaws.com");
        imported.GetProperty("IndexName").GetString().ShouldBe("app-logs");
        imported.GetProperty("IndexRotationPeriod").GetString().ShouldBe("OneHour");
    }
}
