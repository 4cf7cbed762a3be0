using Delivery.Destinations.S3;
using Delivery.Formats.Compression;
using Delivery.Formats.Parquet;
using Delivery.Formats.Parquet.Json;
using Delivery.Transforms.BuiltIn;
using Delivery.Transforms.Partitioning;
using Delivery.Transforms.Processing;
using Delivery.Transforms.Query;
using Delivery.UnitTests.Destinations.S3;
using Microsoft.Extensions.Logging.Abstractions;
using static Delivery.UnitTests.Transforms.TransformTestBatches;

namespace Delivery.UnitTests.Transforms.Processing;

/// <summary>
/// A record split into parts (de-aggregation, CloudWatch Logs extraction, a plugin's Split) is delivered whole or backed
/// up whole, never in part, whichever later step fails one of its parts: a processor, partitioning, or the S3 writer.
/// </summary>
public sealed class SplitRecordTests
{
    // Parts "a" and "c" are fine, "b" is not an int: the record fails, so neither "a" nor "c" may be in any object.
    private const string SplitWithABadPart = """{"n":1,"tag":"part-a","p":"x"}{"n":"two","tag":"part-b","p":"y"}{"n":3,"tag":"part-c","p":"x"}""";
    private const string Whole = """{"n":4,"tag":"whole-d","p":"x"}""";

    [Fact]
    public async Task APartThatFailsParquetConversion_FailsItsRecordWhole_AndNoOtherPartIsWritten()
    {
        var s3 = new CapturingS3();

        BatchWriteResult result = await Writer(s3, Parquet("plain/"), partitioning: null).WriteAsync(Of(SplitWithABadPart, Whole), default);

        FailedRecord failed = result.FailedRecords.ShouldHaveSingleItem();
        (failed.Index, failed.ErrorCode, failed.ErrorOutputType).ShouldBe((0, FormatConversionErrorCodes.InvalidValue, ErrorOutputTypes.FormatConversionFailed));
        string body = s3.Objects.ShouldHaveSingleItem().Body;
        body.ShouldContain("whole-d");
        body.ShouldNotContain("part-a");
        body.ShouldNotContain("part-c");
    }

    [Fact]
    public async Task APartThatFailsConversionInOnePartition_TakesItsPartsInTheOtherPartitionsWithIt()
    {
        var s3 = new CapturingS3();

        BatchWriteResult result = await Writer(s3, Parquet("!{partitionKeyFromQuery:p}/"), ByP).WriteAsync(Of(SplitWithABadPart, Whole), default);

        result.FailedRecords.ShouldHaveSingleItem().Index.ShouldBe(0);
        (string key, string body) = s3.Objects.ShouldHaveSingleItem();
        key.ShouldStartWith("x/");
        body.ShouldContain("whole-d");
        body.ShouldNotContain("part-a");
        body.ShouldNotContain("part-c");
    }

    [Fact]
    public async Task APartitionWhoseKeyIsTooLong_TakesThePartsOfItsRecordsInOtherPartitionsWithThem()
    {
        var s3 = new CapturingS3();
        string tooLong = new('k', 400);
        DeliveryBatch batch = Of($$"""{"p":"x","tag":"part-a"}{"p":"{{tooLong}}","tag":"part-b"}""", """{"p":"x","tag":"whole-c"}""");
        var options = new S3DestinationOptions { BucketName = "bucket", CompressionFormat = CompressionFormat.Uncompressed, Prefix = "!{partitionKeyFromQuery:p}/!{partitionKeyFromQuery:p}/!{partitionKeyFromQuery:p}/" };

        BatchWriteResult result = await Writer(s3, options, ByP).WriteAsync(batch, default);

        FailedRecord failed = result.FailedRecords.ShouldHaveSingleItem();
        (failed.Index, failed.ErrorCode).ShouldBe((0, "S3.KeyTooLong"));
        s3.Objects.ShouldHaveSingleItem().Body.ShouldBe("""{"p":"x","tag":"whole-c"}""" + "\n");
    }

    [Fact]
    public async Task ABatchWithASplitRecordThatFails_WritesTheSameObjects_EveryTimeItIsDelivered()
    {
        DeliveryBatch batch = Of(SplitWithABadPart, Whole, """{"n":5,"tag":"part-e","p":"y"}{"n":6,"tag":"part-f","p":"x"}""");
        var first = new CapturingS3();
        var second = new CapturingS3();

        BatchWriteResult once = await Writer(first, Parquet("!{partitionKeyFromQuery:p}/"), ByP).WriteAsync(batch, default);
        BatchWriteResult again = await Writer(second, Parquet("!{partitionKeyFromQuery:p}/"), ByP).WriteAsync(batch, default);

        first.Objects.Count.ShouldBe(2);
        second.Objects.ShouldBe(first.Objects);
        again.FailedRecords.ShouldBe(once.FailedRecords);
    }

    [Theory]
    [InlineData("{p: .p}", """{"p":"x"}{"q":"y"}{"p":"x"}""", TransformErrorCodes.MetadataExtractionFailed)]
    [InlineData("{p: .p}", """{"p":"x"}{"p":"a#b"}{"p":"x"}""", TransformErrorCodes.InvalidPartitionKeyValue)]
    [InlineData("{p: .p}", """{"p":"x"}{"p":"new"}{"p":"x"}""", TransformErrorCodes.PartitionCountExceeded)]
    public async Task APartThatFailsInALaterProcessorOrInPartitioning_TakesTheOtherPartsWithIt(string query, string split, string code)
    {
        var s3 = new CapturingS3();
        var options = new S3DestinationOptions { BucketName = "bucket", CompressionFormat = CompressionFormat.Uncompressed, Prefix = "!{partitionKeyFromQuery:p}/" };
        var writer = new TransformingBatchWriter(
            new ProcessingChain([new RecordDeAggregationStage(SubRecordType.Json), new MetadataExtractionStage(JqQuery.Parse(query))], TestEnvironment),
            new DynamicPartitioner(new PartitioningSettings { QueryKeys = ["p"], LambdaKeys = [], MaxActivePartitions = 1 }),
            s3.Writer(options),
            NullLogger<TransformingBatchWriter>.Instance);

        BatchWriteResult result = await writer.WriteAsync(Of("""{"p":"x","whole":true}""", split), default);

        (result.FailedRecords.ShouldHaveSingleItem().Index, result.FailedRecords[0].ErrorCode).ShouldBe((1, code));
        s3.Objects.ShouldHaveSingleItem().Body.ShouldBe("""{"p":"x","whole":true}""" + "\n");
    }

    private static readonly PartitioningSettings ByP = new() { QueryKeys = ["p"], LambdaKeys = [] };

    private static TransformingBatchWriter Writer(CapturingS3 s3, S3DestinationOptions options, PartitioningSettings? partitioning) => new(
        new ProcessingChain([new RecordDeAggregationStage(SubRecordType.Json), new MetadataExtractionStage(JqQuery.Parse("{p: .p}"))], TestEnvironment),
        partitioning is null ? null : new DynamicPartitioner(partitioning),
        s3.Writer(options),
        NullLogger<TransformingBatchWriter>.Instance);

    // Uncompressed pages and no dictionary: every string value is in the file as it is, so a test can look for it.
    private static S3DestinationOptions Parquet(string prefix) => new()
    {
        BucketName = "bucket",
        Prefix = prefix,
        CompressionFormat = CompressionFormat.Uncompressed,
        DataFormatConversion = new DataFormatConversionOptions
        {
            Columns = [new ColumnOptions { Name = "n", Type = "int" }, new ColumnOptions { Name = "tag", Type = "string" }],
            Compression = ParquetCompression.Uncompressed,
            EnableDictionaryCompression = false,
        },
    };
}
