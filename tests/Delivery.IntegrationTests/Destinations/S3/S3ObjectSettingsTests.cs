using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Destinations.S3;
using Delivery.Formats.Compression;
using Delivery.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.IntegrationTests.Destinations.S3;

/// <summary>
/// Encryption, CustomTimeZone and FileExtension against s3rver, through a client built as the worker builds it. s3rver
/// checks the signature (which covers the encryption headers) and stores the object, but keeps only a fixed list of
/// headers and the x-amz-meta-* ones: it answers a HEAD without <c>x-amz-server-side-encryption</c>. So this shows that
/// an encrypted write is a well-formed, signed S3 request that lands whole, and that s3rver cannot show more; the headers
/// themselves are checked on the wire by the unit tests (S3EncryptionRequestTests).
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class S3ObjectSettingsTests(LocalAwsStack stack) : IAsyncLifetime
{
    private const string KeyArn = "arn:aws:kms:eu-central-1:123456789012:key/1a2b3c4d-5e6f-7a8b-9c0d-112233445566";
    private readonly AmazonS3Client _verify = stack.CreateS3Client();
    private readonly AmazonS3Client _writerClient = S3ClientFactory.Create(stack.Credentials, stack.Region, stack.S3Endpoint);
    private readonly string _bucket = LocalAwsStack.UniqueName("s3-settings");

    public async Task InitializeAsync() => await _verify.PutBucketAsync(_bucket);

    public Task DisposeAsync()
    {
        _verify.Dispose();
        _writerClient.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("aws:kms", KeyArn)]
    [InlineData("aws:kms", null)]
    [InlineData("AES256", null)]
    public async Task AnEncryptedPut_AndMultipartUpload_AreAccepted_AndStoredWhole_ButS3rverKeepsNoEncryption(string method, string? keyArn)
    {
        var encryption = new S3EncryptionConfiguration
        {
            ServerSideEncryption = method,
            KMSEncryptionConfig = keyArn is null ? null : new KmsEncryptionConfig { AWSKMSKeyARN = keyArn },
        };
        IReadOnlyList<SourceRecord> small = SampleRecords.Mixed();
        IReadOnlyList<SourceRecord> large = SampleRecords.Random(totalBytes: 11 * 1024 * 1024, recordBytes: 256 * 1024);
        var options = new S3DestinationOptions
        {
            BucketName = _bucket,
            Prefix = "put/",
            CompressionFormat = CompressionFormat.Uncompressed,
            MultipartThresholdBytes = S3DestinationOptions.MinPartSizeBytes,
            PartSizeBytes = S3DestinationOptions.MinPartSizeBytes,
            EncryptionConfiguration = encryption,
        };
        var writer = new S3BatchWriter(options, _writerClient, NullLogger<S3BatchWriter>.Instance);

        (await writer.WriteAsync(Batch(small), CancellationToken.None)).AllDelivered.ShouldBeTrue();
        (await writer.WriteAsync(Batch(large), CancellationToken.None)).AllDelivered.ShouldBeTrue();

        ListObjectsV2Response listing = await _verify.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket });
        List<S3Object> objects = [.. (listing.S3Objects ?? []).OrderBy(o => o.Size)];
        objects.Count.ShouldBe(2);
        objects[0].Size.ShouldBe(small.Sum(r => (long)r.Data.Length) + small.Count, "each record and its delimiter");
        objects[1].Size.ShouldBe(large.Sum(r => (long)r.Data.Length) + large.Count, "the multipart upload completed, every part in it");
        foreach (S3Object stored in objects)
        {
            GetObjectMetadataResponse head = await _verify.GetObjectMetadataAsync(_bucket, stored.Key);
            (head.ServerSideEncryptionMethod ?? ServerSideEncryptionMethod.None).ShouldBe(ServerSideEncryptionMethod.None, "s3rver does not keep the encryption headers");
        }
    }

    [Fact]
    public async Task CustomTimeZone_AndFileExtension_NameTheObject_AsFirehoseWould()
    {
        // 05:06:07 UTC on 4 March is 06:06:07 in Berlin (CET, before the switch to summer time) and 14:06:07 in Tokyo.
        IReadOnlyList<SourceRecord> records = SampleRecords.Mixed();
        var berlin = new S3DestinationOptions { BucketName = _bucket, Prefix = "berlin/", CustomTimeZone = "Europe/Berlin", FileExtension = ".ndjson.gz" };
        var tokyo = new S3DestinationOptions { BucketName = _bucket, Prefix = "tokyo/!{timestamp:yyyy-MM-dd'T'HH}/", CustomTimeZone = "Asia/Tokyo" };

        DeliveryBatch batch = Batch(records);
        await new S3BatchWriter(berlin, _writerClient, NullLogger<S3BatchWriter>.Instance).WriteAsync(batch, CancellationToken.None);
        await new S3BatchWriter(tokyo, _writerClient, NullLogger<S3BatchWriter>.Instance).WriteAsync(batch, CancellationToken.None);

        ListObjectsV2Response listing = await _verify.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket });
        (listing.S3Objects ?? []).Select(o => o.Key).Order(StringComparer.Ordinal).ShouldBe(
        [
            $"berlin/2026/03/04/06/orders-1-2026-03-04-06-06-07-{batch.ObjectId}.ndjson.gz",
            $"tokyo/2026-03-04T14/orders-1-2026-03-04-14-06-07-{batch.ObjectId}.gz",
        ]);
    }

    private static DeliveryBatch Batch(IReadOnlyList<SourceRecord> records) =>
        new("orders", new BatchSource("kinesis-orders", "shardId-000000000001", records[0].Position, records[^1].Position), records);
}
