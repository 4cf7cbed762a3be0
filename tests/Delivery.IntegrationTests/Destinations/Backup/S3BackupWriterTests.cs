using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Destinations.Backup;
using Delivery.Destinations.S3;
using Delivery.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.IntegrationTests.Destinations.Backup;

[Collection(LocalAwsCollection.Name)]
public sealed class S3BackupWriterTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 4, 9, 0, 0, TimeSpan.Zero);
    private readonly AmazonS3Client _verify;
    private readonly AmazonS3Client _writerClient;
    private readonly string _bucket = LocalAwsStack.UniqueName("backup");

    public S3BackupWriterTests(LocalAwsStack stack)
    {
        _verify = stack.CreateS3Client();
        _writerClient = S3ClientFactory.Create(stack.Credentials, stack.Region, stack.S3Endpoint);
    }

    public async Task InitializeAsync() => await _verify.PutBucketAsync(_bucket);

    public Task DisposeAsync()
    {
        _verify.Dispose();
        _writerClient.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task FailedRecords_LandUnderTheirErrorOutputType_WithTheOriginalBytesAndTheError()
    {
        DeliveryBatch batch = Batch();
        var writer = new S3BackupWriter(new BackupOptions { BucketName = _bucket }, _writerClient, new FakeTimeProvider(Now), NullLogger<S3BackupWriter>.Instance);
        FailedRecord[] failed =
        [
            new(1, "HttpEndpoint.ResponseTimeout", "no answer within 30 s", ErrorOutputTypes.HttpEndpointFailed, 7),
            new(3, "HttpEndpoint.ResponseTimeout", "no answer within 30 s", ErrorOutputTypes.HttpEndpointFailed, 7),
        ];

        await writer.WriteFailedAsync(batch, ErrorOutputTypes.HttpEndpointFailed, failed, CancellationToken.None);

        string key = (await ListKeysAsync()).ShouldHaveSingleItem();
        key.ShouldBe($"http-endpoint-failed/2026/03/04/05/orders-1-2026-03-04-05-06-07-{batch.Id}.gz");
        string[] lines = Encoding.UTF8.GetString(await GunzipObjectAsync(key)).TrimEnd('\n').Split('\n');
        lines.Length.ShouldBe(2);
        for (int i = 0; i < 2; i++)
        {
            using JsonDocument line = JsonDocument.Parse(lines[i]);
            JsonElement root = line.RootElement;
            SourceRecord original = batch.Records[failed[i].Index];
            root.GetProperty("rawData").GetBytesFromBase64().ShouldBe(original.Data.ToArray());
            root.GetProperty("errorCode").GetString().ShouldBe("HttpEndpoint.ResponseTimeout");
            root.GetProperty("attemptsMade").GetInt32().ShouldBe(7);
            root.GetProperty("attemptEndingTimestamp").GetInt64().ShouldBe(Now.ToUnixTimeMilliseconds());
            root.GetProperty("kinesisRecordMetadata").GetProperty("sequenceNumber").GetString().ShouldBe(original.Position.SequenceNumber);
            root.GetProperty("kinesisRecordMetadata").GetProperty("shardId").GetString().ShouldBe(batch.Source.ShardId);
        }
    }

    [Fact]
    public async Task WritingTheSameFailuresAgain_ReplacesTheObject_InsteadOfAddingOne()
    {
        DeliveryBatch batch = Batch();
        var writer = new S3BackupWriter(new BackupOptions { BucketName = _bucket, ErrorOutputPrefix = "failed/" }, _writerClient, new FakeTimeProvider(Now), NullLogger<S3BackupWriter>.Instance);
        FailedRecord[] failed = [new(0, "Lambda.FunctionError", "boom", ErrorOutputTypes.ProcessingFailed)];

        await writer.WriteFailedAsync(batch, ErrorOutputTypes.ProcessingFailed, failed, CancellationToken.None);
        await writer.WriteFailedAsync(batch, ErrorOutputTypes.ProcessingFailed, failed, CancellationToken.None);

        (await ListKeysAsync()).ShouldHaveSingleItem().ShouldBe($"failed/2026/03/04/05/orders-1-2026-03-04-05-06-07-{batch.Id}-processing-failed.gz");
    }

    [Fact]
    public async Task AMissingBackupBucket_FailsTheWrite_SoThePipelineHoldsTheCheckpoint()
    {
        var writer = new S3BackupWriter(new BackupOptions { BucketName = LocalAwsStack.UniqueName("absent") }, _writerClient, new FakeTimeProvider(Now), NullLogger<S3BackupWriter>.Instance);

        DeliveryException error = await Should.ThrowAsync<DeliveryException>(() =>
            writer.WriteFailedAsync(Batch(), ErrorOutputTypes.ProcessingFailed, [new(0, "Lambda.FunctionError", "boom", ErrorOutputTypes.ProcessingFailed)], CancellationToken.None));

        error.ErrorCode.ShouldBe("S3.NoSuchBucket");
    }

    private static DeliveryBatch Batch()
    {
        IReadOnlyList<SourceRecord> records = SampleRecords.Mixed();
        return new DeliveryBatch("orders", new BatchSource("kinesis-orders", "shardId-000000000001", records[0].Position, records[^1].Position), records);
    }

    private async Task<List<string>> ListKeysAsync()
    {
        ListObjectsV2Response listing = await _verify.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket });
        return [.. (listing.S3Objects ?? []).Select(o => o.Key)];
    }

    private async Task<byte[]> GunzipObjectAsync(string key)
    {
        using GetObjectResponse stored = await _verify.GetObjectAsync(_bucket, key);
        using var gzip = new GZipStream(stored.ResponseStream, CompressionMode.Decompress);
        using var output = new MemoryStream();
        await gzip.CopyToAsync(output);
        return output.ToArray();
    }
}
