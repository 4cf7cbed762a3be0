using System.Diagnostics;
using System.IO.Compression;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Destinations.S3;
using Delivery.Formats.Compression;
using Delivery.Testing;
using Microsoft.Extensions.Logging;

namespace Delivery.IntegrationTests.Destinations.S3;

[Collection(LocalAwsCollection.Name)]
public sealed class S3BatchWriterTests : IAsyncLifetime
{
    private const long MiB = 1024 * 1024;
    private readonly LocalAwsStack _stack;
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ILoggerFactory _loggerFactory;
    private readonly AmazonS3Client _verify;
    private readonly AmazonS3Client _writerClient;
    private readonly string _bucket = LocalAwsStack.UniqueName("s3-writer");

    public S3BatchWriterTests(LocalAwsStack stack)
    {
        _stack = stack;
        _loggerFactory = LoggerFactory.Create(builder => builder.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
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
    public async Task MixedRecords_BecomeOneGzipObject_AtTheBatchKey_HoldingTheRecordsJoinedByTheDelimiter()
    {
        DeliveryBatch batch = Batch(SampleRecords.Mixed());
        S3BatchWriter writer = Writer(new S3DestinationOptions { BucketName = _bucket, Prefix = "events/" });

        BatchWriteResult result = await writer.WriteAsync(batch, CancellationToken.None);

        result.AllDelivered.ShouldBeTrue();
        string key = (await ListKeysAsync()).ShouldHaveSingleItem();
        key.ShouldBe($"events/2026/03/04/05/orders-1-2026-03-04-05-06-07-{batch.Id}.gz");
        using GetObjectResponse stored = await _verify.GetObjectAsync(_bucket, key);
        byte[] raw = await ReadAllAsync(stored.ResponseStream);
        raw[..2].ShouldBe(new byte[] { 0x1F, 0x8B }, "the object is the gzip file itself, not decoded on the way");
        Gunzip(raw).ShouldBe(SampleRecords.Joined(batch.Records, "\n"));
        stored.Headers.ContentEncoding.ShouldBeNullOrEmpty();
        stored.Headers.ContentType.ShouldBe("application/gzip");
        stored.Metadata["x-amz-meta-source-stream"].ShouldBe("kinesis-orders");
        stored.Metadata["x-amz-meta-source-shard"].ShouldBe("shardId-000000000001");
        stored.Metadata["x-amz-meta-first-sequence-number"].ShouldBe(batch.Source.First.ToString());
        stored.Metadata["x-amz-meta-last-sequence-number"].ShouldBe(batch.Source.Last.ToString());
        stored.Metadata["x-amz-meta-record-count"].ShouldBe("7");
        stored.Metadata["x-amz-meta-batch-id"].ShouldBe(batch.Id);
    }

    [Fact]
    public async Task GzipObject_IsReadableByTheGzipCommand()
    {
        DeliveryBatch batch = Batch(SampleRecords.Mixed());
        await Writer(new S3DestinationOptions { BucketName = _bucket }).WriteAsync(batch, CancellationToken.None);
        string key = (await ListKeysAsync()).ShouldHaveSingleItem();
        string file = Path.Combine(Directory.CreateTempSubdirectory("s3-gzip-").FullName, "object.gz");
        using (GetObjectResponse stored = await _verify.GetObjectAsync(_bucket, key))
        {
            await File.WriteAllBytesAsync(file, await ReadAllAsync(stored.ResponseStream));
        }

        byte[] decoded = await GunzipWithCommandAsync(file);

        decoded.ShouldBe(SampleRecords.Joined(batch.Records, "\n"));
    }

    [Fact]
    public async Task Uncompressed_IsStoredAsTheExactRecordBytes()
    {
        DeliveryBatch batch = Batch(SampleRecords.Mixed());
        var options = new S3DestinationOptions { BucketName = _bucket, CompressionFormat = CompressionFormat.Uncompressed, RecordDelimiter = "\r\n" };

        await Writer(options).WriteAsync(batch, CancellationToken.None);

        string key = (await ListKeysAsync()).ShouldHaveSingleItem();
        key.ShouldEndWith(batch.Id);
        (await GetBytesAsync(key)).ShouldBe(SampleRecords.Joined(batch.Records, "\r\n"));
    }

    [Fact]
    public async Task ObjectAboveTheThreshold_IsOneMultipartObject_ThatRoundTripsByteForByte()
    {
        DeliveryBatch batch = Batch(SampleRecords.Random(13 * MiB, 256 * 1024));
        var options = new S3DestinationOptions { BucketName = _bucket, MultipartThresholdBytes = 5 * MiB, PartSizeBytes = 5 * MiB };

        await Writer(options).WriteAsync(batch, CancellationToken.None);

        string key = (await ListKeysAsync()).ShouldHaveSingleItem();
        Gunzip(await GetBytesAsync(key)).ShouldBe(SampleRecords.Joined(batch.Records, "\n"));
        _logs.Entries.ShouldContain(e => e.EventId.Name == "S3ObjectWritten" && e.Message.Contains("3 part(s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SameBatchWrittenTwice_LeavesOneObject_WithTheSameContent()
    {
        DeliveryBatch batch = Batch(SampleRecords.Mixed());
        S3BatchWriter writer = Writer(new S3DestinationOptions { BucketName = _bucket, Prefix = "y=!{timestamp:yyyy}/h=!{timestamp:HH}/" });

        await writer.WriteAsync(batch, CancellationToken.None);
        string firstKey = (await ListKeysAsync()).ShouldHaveSingleItem();
        byte[] first = await GetBytesAsync(firstKey);
        await Writer(new S3DestinationOptions { BucketName = _bucket, Prefix = "y=!{timestamp:yyyy}/h=!{timestamp:HH}/" })
            .WriteAsync(Batch(SampleRecords.Mixed()), CancellationToken.None);

        string key = (await ListKeysAsync()).ShouldHaveSingleItem();
        key.ShouldBe(firstKey);
        key.ShouldStartWith("y=2026/h=05/orders-1-");
        byte[] second = await GetBytesAsync(key);
        second.ShouldBe(first);
        Gunzip(second).ShouldBe(SampleRecords.Joined(batch.Records, "\n"));
    }

    [Fact]
    public async Task MissingBucket_FailsPermanently_WithS3NoSuchBucket()
    {
        S3BatchWriter writer = Writer(new S3DestinationOptions { BucketName = LocalAwsStack.UniqueName("missing") });

        DeliveryException error = await Should.ThrowAsync<DeliveryException>(() => writer.WriteAsync(Batch(SampleRecords.Mixed()), CancellationToken.None));

        error.ErrorCode.ShouldBe("S3.NoSuchBucket");
        error.Kind.ShouldBe(FailureKind.Permanent);
        _logs.Entries.ShouldContain(e => e.EventId.Name == "S3WriteFailed" && e.Level == LogLevel.Debug, "the pipeline logs a failing bucket, at a bounded rate");
    }

    private static DeliveryBatch Batch(IReadOnlyList<SourceRecord> records) =>
        new("orders", new BatchSource("kinesis-orders", "shardId-000000000001", records[0].Position, records[^1].Position), records);

    private S3BatchWriter Writer(S3DestinationOptions options) => new(options, _writerClient, _loggerFactory.CreateLogger<S3BatchWriter>());

    private async Task<List<string>> ListKeysAsync()
    {
        ListObjectsV2Response listing = await _verify.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket });
        return (listing.S3Objects ?? []).Select(o => o.Key).ToList();
    }

    private async Task<byte[]> GetBytesAsync(string key)
    {
        using GetObjectResponse stored = await _verify.GetObjectAsync(_bucket, key);
        return await ReadAllAsync(stored.ResponseStream);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static byte[] Gunzip(byte[] compressed)
    {
        using var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    private static async Task<byte[]> GunzipWithCommandAsync(string file)
    {
        var start = new ProcessStartInfo("gzip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { "-dc", file })
        {
            start.ArgumentList.Add(argument);
        }

        using Process gzip = Process.Start(start)!;
        Task<string> errors = gzip.StandardError.ReadToEndAsync();
        byte[] output = await ReadAllAsync(gzip.StandardOutput.BaseStream);
        await gzip.WaitForExitAsync();
        gzip.ExitCode.ShouldBe(0, await errors);
        return output;
    }
}
