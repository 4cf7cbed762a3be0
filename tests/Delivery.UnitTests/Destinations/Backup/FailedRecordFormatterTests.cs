using System.Text;
using System.Text.Json;
using Delivery.Destinations.Backup;
using Delivery.Testing;
using Delivery.UnitTests.Destinations.S3;

namespace Delivery.UnitTests.Destinations.Backup;

public sealed class FailedRecordFormatterTests
{
    private static readonly DateTimeOffset Ended = new(2026, 3, 4, 6, 0, 0, TimeSpan.Zero);

    [Fact]
    public void EachFailedRecord_IsOneJsonLine_InFirehosesErrorOutputFormat_WithItsShardPosition()
    {
        DeliveryBatch batch = TestBatches.Create();
        FailedRecord[] failed =
        [
            new(0, "Lambda.FunctionError", "the function threw \"boom\"", ErrorOutputTypes.ProcessingFailed, 4, "arn:aws:lambda:eu-west-1:1:function:t"),
            new(2, "Lambda.MissingRecordId", "not returned", ErrorOutputTypes.ProcessingFailed),
        ];
        using var output = new MemoryStream();

        FailedRecordFormatter.Write(batch, failed, Ended, output);

        string[] lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n');
        lines.Length.ShouldBe(3);
        lines[2].ShouldBeEmpty("every line ends with a newline");
        lines[0].ShouldBe(
            "{\"attemptsMade\":4,\"arrivalTimestamp\":1772593740000,\"errorCode\":\"Lambda.FunctionError\"," +
            "\"errorMessage\":\"the function threw \\u0022boom\\u0022\",\"attemptEndingTimestamp\":1772604000000," +
            "\"rawData\":\"eyJuIjoxfQ==\",\"lambdaArn\":\"arn:aws:lambda:eu-west-1:1:function:t\"," +
            "\"kinesisRecordMetadata\":{\"streamName\":\"orders\",\"shardId\":\"shardId-000000000007\",\"partitionKey\":\"a\"," +
            "\"sequenceNumber\":\"4959001\",\"subsequenceNumber\":0,\"approximateArrivalTimestamp\":1772593740000}}");
        using JsonDocument second = JsonDocument.Parse(lines[1]);
        second.RootElement.GetProperty("attemptsMade").GetInt32().ShouldBe(1);
        second.RootElement.TryGetProperty("lambdaArn", out _).ShouldBeFalse("only transform failures name a function");
        Convert.FromBase64String(second.RootElement.GetProperty("rawData").GetString()!).ShouldBe(batch.Records[2].Data.ToArray());
        second.RootElement.GetProperty("kinesisRecordMetadata").GetProperty("subsequenceNumber").GetInt64().ShouldBe(2);
    }

    [Fact]
    public void WhereTheDestinationMeantTheRecordToGo_IsWrittenBesideTheError_AsFirehoseWritesItForOpenSearch()
    {
        DeliveryBatch batch = TestBatches.Create();
        KeyValuePair<string, string>[] fields = [new("esIndexName", "logs-2026-03-04"), new("esDocumentId", "Zm9v"), new("esTypeName", "_doc")];
        using var output = new MemoryStream();

        FailedRecordFormatter.Write(batch, [new FailedRecord(1, "OpenSearch.MapperParsingException", "status 400: bad", ErrorOutputTypes.OpenSearchFailed, DestinationFields: fields)], Ended, output);

        using JsonDocument line = JsonDocument.Parse(output.ToArray());
        line.RootElement.GetProperty("esIndexName").GetString().ShouldBe("logs-2026-03-04");
        line.RootElement.GetProperty("esDocumentId").GetString().ShouldBe("Zm9v");
        line.RootElement.GetProperty("esTypeName").GetString().ShouldBe("_doc");
        line.RootElement.GetProperty("errorCode").GetString().ShouldBe("OpenSearch.MapperParsingException");
    }

    [Fact]
    public void ForAPlansBatch_EachLine_NamesTheShardItsRecordWasReadFrom()
    {
        DeliveryBatch batch = PlanBatches.TwoShards();
        FailedRecord[] failed = [.. Enumerable.Range(0, 3).Select(i => new FailedRecord(i, "Lambda.Failed", "boom", ErrorOutputTypes.ProcessingFailed))];
        using var output = new MemoryStream();

        FailedRecordFormatter.Write(batch, failed, Ended, output);

        Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("kinesisRecordMetadata"))
            .Select(metadata => (metadata.GetProperty("shardId").GetString(), metadata.GetProperty("sequenceNumber").GetString()))
            .ShouldBe([(PlanBatches.FirstShard, "4959000000"), (PlanBatches.FirstShard, "4959000001"), (PlanBatches.SecondShard, "4959000000")]);
        batch.Release();
    }

    [Fact]
    public void BinaryRecordBytes_SurviveTheRoundTripExactly()
    {
        byte[] data = [0x00, 0xFF, 0x0A, 0x22, 0x5C, 0xC3, 0x28];
        var batch = new DeliveryBatch("clicks", TestBatches.Source, [new SourceRecord(new ShardPosition("4959001"), "k", Ended, data)]);
        using var output = new MemoryStream();

        FailedRecordFormatter.Write(batch, [new FailedRecord(0, "Parquet.BadValue", "x", ErrorOutputTypes.FormatConversionFailed)], Ended, output);

        using JsonDocument line = JsonDocument.Parse(output.ToArray());
        line.RootElement.GetProperty("rawData").GetBytesFromBase64().ShouldBe(data);
    }
}
