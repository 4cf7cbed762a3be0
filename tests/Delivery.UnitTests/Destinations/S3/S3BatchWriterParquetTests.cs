using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Destinations.S3;
using Delivery.Formats.Compression;
using Delivery.Formats.Parquet.Json;
using Delivery.Testing;
using Microsoft.Extensions.Logging;

namespace Delivery.UnitTests.Destinations.S3;

public sealed class S3BatchWriterParquetTests : IDisposable
{
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ILoggerFactory _loggerFactory;

    public S3BatchWriterParquetTests()
    {
        _loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
    }

    public void Dispose() => _loggerFactory.Dispose();

    [Fact]
    public async Task RecordsThatDoNotFitTheSchema_AreReturnedAsFormatConversionFailed_AndTheRestIsWritten()
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        byte[]? sent = null;
        fake.On<PutObjectRequest, PutObjectResponse>(async (request, _) =>
        {
            using var copy = new MemoryStream();
            await request.InputStream.CopyToAsync(copy);
            sent = copy.ToArray();
            return new PutObjectResponse();
        });
        DeliveryBatch batch = Batch("""{"n":1}""", """{"n":"seven"}""", """not json""", """{"n":4}""");

        BatchWriteResult result = await CreateWriter(client).WriteAsync(batch, CancellationToken.None);

        result.FailedRecords.Select(f => (f.Index, f.ErrorCode, f.ErrorOutputType)).ShouldBe(
        [
            (1, FormatConversionErrorCodes.InvalidValue, ErrorOutputTypes.FormatConversionFailed),
            (2, FormatConversionErrorCodes.MalformedJson, ErrorOutputTypes.FormatConversionFailed),
        ]);
        result.FailedRecords[0].ErrorMessage.ShouldContain("'n'");
        result.FailedRecords[0].ErrorMessage.ShouldContain("\"seven\"");
        var put = fake.Requests.ShouldHaveSingleItem().ShouldBeOfType<PutObjectRequest>();
        put.Key.ShouldEndWith(batch.Id + ".parquet");
        put.ContentType.ShouldBe("application/vnd.apache.parquet");
        put.Metadata["x-amz-meta-record-count"].ShouldBe("4");
        sent.ShouldNotBeNull();
        Encoding.ASCII.GetString(sent.AsSpan(0, 4)).ShouldBe("PAR1");
        Encoding.ASCII.GetString(sent.AsSpan(sent.Length - 4)).ShouldBe("PAR1");
        _logs.Entries.ShouldContain(e => e.EventId.Name == "S3RecordsNotConverted" && e.Message.Contains("2 of 4", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WhenNoRecordFits_NoObjectIsWritten_AndEveryRecordIsReturned()
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        DeliveryBatch batch = Batch("""{"n":"a"}""", "[]");

        BatchWriteResult result = await CreateWriter(client).WriteAsync(batch, CancellationToken.None);

        fake.Requests.ShouldBeEmpty();
        result.FailedRecords.Select(f => f.Index).ShouldBe([0, 1]);
    }

    [Fact]
    public void DisabledConversion_WritesNdjsonAsBefore()
    {
        (IAmazonS3 client, _) = FakeS3.Create();
        S3DestinationOptions options = Options();
        options.DataFormatConversion!.Enabled = false;

        new S3BatchWriter(options, client, _loggerFactory.CreateLogger<S3BatchWriter>(), timeProvider: new FakeTimeProvider())
            .KeyFor(Batch("{}")).ShouldNotEndWith(".parquet");
    }

    private S3BatchWriter CreateWriter(IAmazonS3 client) =>
        new(Options(), client, _loggerFactory.CreateLogger<S3BatchWriter>(), timeProvider: new FakeTimeProvider());

    private static S3DestinationOptions Options() => new()
    {
        BucketName = "bucket",
        CompressionFormat = CompressionFormat.Uncompressed,
        DataFormatConversion = new DataFormatConversionOptions { Columns = [new ColumnOptions { Name = "n", Type = "int" }] },
    };

    private static DeliveryBatch Batch(params string[] records)
    {
        SourceRecord[] items = [.. records.Select((json, i) => new SourceRecord(
            new ShardPosition((100 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)), "k", DateTimeOffset.UnixEpoch, Encoding.UTF8.GetBytes(json)))];
        return new DeliveryBatch("events", new BatchSource("s", "shardId-0", items[0].Position, items[^1].Position), items);
    }
}
