using System.Text;
using System.Text.Json.Nodes;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Destinations.S3;
using Delivery.Formats.Compression;
using Delivery.Testing;
using Microsoft.Extensions.Logging;

namespace Delivery.IntegrationTests.Destinations.S3;

/// <summary>A batch converted to Parquet and stored in S3 (s3rver), then read from the bucket by DuckDB and the others.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class S3ParquetWriterTests : IAsyncLifetime
{
    private readonly AmazonS3Client _verify;
    private readonly AmazonS3Client _writerClient;
    private readonly ILoggerFactory _loggerFactory = LoggerFactory.Create(_ => { });
    private readonly string _bucket = LocalAwsStack.UniqueName("s3-parquet");

    public S3ParquetWriterTests(LocalAwsStack stack)
    {
        _verify = stack.CreateS3Client();
        _writerClient = S3ClientFactory.Create(stack.Credentials, stack.Region, stack.S3Endpoint);
    }

    public async Task InitializeAsync() => await _verify.PutBucketAsync(_bucket);

    public Task DisposeAsync()
    {
        _verify.Dispose();
        _writerClient.Dispose();
        _loggerFactory.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task ConvertedBatch_IsStoredAsAParquetObject_WithoutTheRecordThatDidNotFit()
    {
        string[] json =
        [
            """{"order_id":1,"items":[{"sku":"a","qty":2}],"placed":"2026-11-21T10:00:00.5Z"}""",
            """{"order_id":"x"}""",
            """{"order_id":3,"items":[],"placed":1795255200000}""",
        ];
        SourceRecord[] records = [.. json.Select((text, i) => new SourceRecord(new ShardPosition((10 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)), "k", new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero), Encoding.UTF8.GetBytes(text)))];
        var batch = new DeliveryBatch("orders", new BatchSource("kinesis-orders", "shardId-000000000002", records[0].Position, records[^1].Position), records);
        var options = new S3DestinationOptions
        {
            BucketName = _bucket,
            Prefix = "curated/",
            CompressionFormat = CompressionFormat.Uncompressed,
            DataFormatConversion = new DataFormatConversionOptions
            {
                Columns =
                [
                    new ColumnOptions { Name = "order_id", Type = "bigint", Nullable = false },
                    new ColumnOptions { Name = "items", Type = "array<struct<sku:string,qty:int>>" },
                    new ColumnOptions { Name = "placed", Type = "timestamp" },
                ],
                TimestampFormats = ["iso8601", "millis"],
            },
        };

        BatchWriteResult result = await new S3BatchWriter(options, _writerClient, _loggerFactory.CreateLogger<S3BatchWriter>()).WriteAsync(batch, CancellationToken.None);

        FailedRecord failed = result.FailedRecords.ShouldHaveSingleItem();
        (failed.Index, failed.ErrorOutputType).ShouldBe((1, ErrorOutputTypes.FormatConversionFailed));
        string key = $"curated/2026/11/21/10/orders-1-2026-11-21-10-00-00-{batch.Id}.parquet";
        using GetObjectResponse stored = await _verify.GetObjectAsync(_bucket, key);
        stored.Headers.ContentType.ShouldBe("application/vnd.apache.parquet");
        using var body = new MemoryStream();
        await stored.ResponseStream.CopyToAsync(body);
        ParquetReadout readout = await IndependentReaders.ReadParquetAsync(body.ToArray());
        string expected = new JsonArray(
            new JsonObject { ["order_id"] = "1", ["items"] = new JsonArray(new JsonObject { ["sku"] = "a", ["qty"] = 2 }), ["placed"] = "1795255200500000" },
            new JsonObject { ["order_id"] = "3", ["items"] = new JsonArray(), ["placed"] = "1795255200000000" }).ToJsonString();
        foreach ((string reader, JsonArray rows) in readout.ByReader)
        {
            rows.ToJsonString().ShouldBe(expected, reader);
        }
    }
}
