using System.Globalization;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Destinations.Backup;
using Delivery.Destinations.S3;
using Delivery.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.UnitTests.Destinations.S3;

/// <summary>
/// What an object's user metadata says about where its records came from, when the batch is a worker-scope plan of
/// several shards' ranges: the plan and its shards, never one range passed off as the whole.
/// </summary>
public sealed class S3SourceMetadataTests
{
    // S3's limit on an object's user metadata, names and values together.
    private const int UserMetadataLimitBytes = 2048;

    [Fact]
    public async Task APlansObject_NamesThePlanAndItsShards_AndNoSingleRange()
    {
        DeliveryBatch batch = PlanBatches.TwoShards();

        PutObjectRequest put = await WriteAsync(batch);

        put.Metadata["x-amz-meta-source-stream"].ShouldBe("orders");
        put.Metadata["x-amz-meta-plan-id"].ShouldBe(batch.Plan!.Id);
        put.Metadata["x-amz-meta-source-shard-count"].ShouldBe("2");
        put.Metadata["x-amz-meta-source-shards"].ShouldBe($"{PlanBatches.FirstShard},{PlanBatches.SecondShard}");
        put.Metadata["x-amz-meta-record-count"].ShouldBe("3");
        put.Metadata["x-amz-meta-batch-id"].ShouldBe(batch.Id);
        put.Metadata.Keys.ShouldNotContain("x-amz-meta-source-shard", "one shard of the plan would claim the whole object");
        put.Metadata.Keys.ShouldNotContain("x-amz-meta-first-sequence-number");
        put.Metadata.Keys.ShouldNotContain("x-amz-meta-last-sequence-number");
        batch.Release();
    }

    [Fact]
    public async Task APlanOfManyShards_StaysWithinS3sMetadataLimit_ByLeavingTheListOut()
    {
        (string, SourceRecord[])[] shards = [.. Enumerable.Range(0, 200).Select(i => ($"shardId-{i.ToString("D12", CultureInfo.InvariantCulture)}", PlanBatches.Records("r", 1)))];
        DeliveryBatch batch = PlanBatches.Of("clicks", "orders", shards);

        PutObjectRequest put = await WriteAsync(batch);

        put.Metadata["x-amz-meta-source-shard-count"].ShouldBe("200");
        put.Metadata.Keys.ShouldNotContain("x-amz-meta-source-shards");
        put.Metadata.Keys.Sum(key => Encoding.UTF8.GetByteCount(key["x-amz-meta-".Length..]) + Encoding.UTF8.GetByteCount(put.Metadata[key]))
            .ShouldBeLessThanOrEqualTo(UserMetadataLimitBytes);
        batch.Release();
    }

    [Fact]
    public async Task ABackupObjectOfAPlansFailedRecords_NamesThePlanAndItsShards()
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        fake.On<PutObjectRequest, PutObjectResponse>((_, _) => Task.FromResult(new PutObjectResponse()));
        var backup = new S3BackupWriter(new BackupOptions { BucketName = "failed" }, client, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(), NullLogger<S3BackupWriter>.Instance);
        DeliveryBatch batch = PlanBatches.TwoShards();

        await backup.WriteFailedAsync(batch, ErrorOutputTypes.ProcessingFailed, [new FailedRecord(2, "Lambda.Failed", "boom", ErrorOutputTypes.ProcessingFailed)], CancellationToken.None);

        PutObjectRequest put = fake.Requests.OfType<PutObjectRequest>().ShouldHaveSingleItem();
        put.Metadata["x-amz-meta-plan-id"].ShouldBe(batch.Plan!.Id);
        put.Metadata["x-amz-meta-source-shard-count"].ShouldBe("2");
        put.Metadata["x-amz-meta-source-shards"].ShouldBe($"{PlanBatches.FirstShard},{PlanBatches.SecondShard}");
        put.Metadata["x-amz-meta-batch-id"].ShouldBe(batch.Id);
        put.Metadata.Keys.ShouldNotContain("x-amz-meta-source-shard");
        batch.Release();
    }

    [Fact]
    public async Task ABackupObjectOfOneShardsRecords_KeepsItsSourceShard()
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        fake.On<PutObjectRequest, PutObjectResponse>((_, _) => Task.FromResult(new PutObjectResponse()));
        var backup = new S3BackupWriter(new BackupOptions { BucketName = "failed" }, client, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(), NullLogger<S3BackupWriter>.Instance);

        await backup.WriteFailedAsync(TestBatches.Create(), ErrorOutputTypes.ProcessingFailed, [new FailedRecord(0, "Lambda.Failed", "boom", ErrorOutputTypes.ProcessingFailed)], CancellationToken.None);

        PutObjectRequest put = fake.Requests.OfType<PutObjectRequest>().ShouldHaveSingleItem();
        put.Metadata["x-amz-meta-source-shard"].ShouldBe("shardId-000000000007");
        put.Metadata.Keys.ShouldNotContain("x-amz-meta-plan-id");
    }

    private static async Task<PutObjectRequest> WriteAsync(DeliveryBatch batch)
    {
        (IAmazonS3 client, FakeS3 fake) = FakeS3.Create();
        fake.On<PutObjectRequest, PutObjectResponse>((_, _) => Task.FromResult(new PutObjectResponse()));
        var writer = new S3BatchWriter(new S3DestinationOptions { BucketName = "bucket" }, client, NullLogger<S3BatchWriter>.Instance);

        (await writer.WriteAsync(batch, CancellationToken.None)).AllDelivered.ShouldBeTrue();
        return fake.Requests.OfType<PutObjectRequest>().ShouldHaveSingleItem();
    }
}
