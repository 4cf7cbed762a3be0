using System.Globalization;
using System.IO.Compression;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Destinations.Backup;
using Delivery.Destinations.S3;
using Delivery.IntegrationTests.Destinations.Backup;
using Delivery.Pipeline;
using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Memory;
using Delivery.Testing;
using Delivery.Transforms.Partitioning;
using Delivery.Transforms.Processing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.IntegrationTests.Transforms;

/// <summary>
/// A delivery pipeline as the worker builds one (transforms in front of the real S3 writer, the real backup writer),
/// against s3rver, fed directly with pages of one shard: with interval 0 each page is one batch, so a test decides
/// exactly which records go into which transform invocation. Everything delivered and backed up can be read back.
/// </summary>
internal sealed class TransformPipeline : IAsyncDisposable
{
    public const string Prefix = "out/";
    public const string ErrorPrefix = "errors/!{firehose:error-output-type}/";
    public const string StreamName = "orders";
    public const string ShardId = "shardId-000000000001";
    public static readonly DateTimeOffset FirstArrival = new(2026, 3, 4, 3, 6, 7, TimeSpan.Zero);

    private readonly AmazonS3Client _s3;
    private readonly IAmazonS3 _writerClient;
    private readonly DeliveryPipeline _pipeline;
    private readonly TransformingBatchWriter _writer;
    private readonly IShardSession _session;
    private readonly Checkpointer _checkpointer = new();
    private int _next;

    private TransformPipeline(AmazonS3Client s3, IAmazonS3 writerClient, string bucket, DeliveryPipeline pipeline, TransformingBatchWriter writer)
    {
        _s3 = s3;
        _writerClient = writerClient;
        Bucket = bucket;
        _pipeline = pipeline;
        _writer = writer;
        _pipeline.Start();
        _session = _pipeline.OpenShard(new ShardSessionStart(StreamName, ShardId, null, []), _checkpointer);
    }

    public string Bucket { get; }

    /// <summary>Every record appended so far, by sequence number.</summary>
    public Dictionary<string, SourceRecord> Appended { get; } = [];

    public static async Task<TransformPipeline> StartAsync(LocalAwsStack stack, IProcessingStage[] stages, PartitioningSettings? partitioning = null, string prefix = Prefix)
    {
        AmazonS3Client s3 = stack.CreateS3Client();
        string bucket = LocalAwsStack.UniqueName("transforms");
        await s3.PutBucketAsync(bucket);
        AmazonS3Client writerClient = S3ClientFactory.Create(stack.Credentials, stack.Region, stack.S3Endpoint);
        var destination = new S3BatchWriter(new S3DestinationOptions { BucketName = bucket, Prefix = prefix }, writerClient, NullLogger<S3BatchWriter>.Instance);
        var writer = new TransformingBatchWriter(
            new ProcessingChain(stages, new TransformEnvironment(stack.Region, "123456789012", "pipe")),
            partitioning is null ? null : new DynamicPartitioner(partitioning),
            destination,
            NullLogger<TransformingBatchWriter>.Instance);
        var backup = new S3BackupWriter(new BackupOptions { BucketName = bucket, ErrorOutputPrefix = ErrorPrefix }, writerClient, TimeProvider.System, NullLogger<S3BackupWriter>.Instance);
        var settings = new PipelineSettings { Name = "pipe", Buffering = new BufferingHints { SizeInMBs = 64, IntervalInSeconds = 0 }, MaxConcurrentDeliveries = 2 };
        var pipeline = new DeliveryPipeline(settings, writer, backup, new MemoryBudget(256L * 1024 * 1024), TimeProvider.System, NullLogger<DeliveryPipeline>.Instance);
        return new TransformPipeline(s3, writerClient, bucket, pipeline, writer);
    }

    /// <summary>Appends one page (one batch) and returns its records, with the positions and arrival times they got.</summary>
    public async Task<SourceRecord[]> AppendAsync(params string[] records) => await AppendAsync([.. records.Select(Encoding.UTF8.GetBytes)]);

    public async Task<SourceRecord[]> AppendAsync(params byte[][] records)
    {
        var page = new SourceRecord[records.Length];
        for (int i = 0; i < records.Length; i++)
        {
            int n = _next++;
            page[i] = new SourceRecord(new ShardPosition("4959" + n.ToString("D12", CultureInfo.InvariantCulture)), "pk" + n.ToString(CultureInfo.InvariantCulture), FirstArrival.AddSeconds(n), records[i]);
            Appended[page[i].Position.SequenceNumber] = page[i];
        }

        await _session.AppendAsync(new RecordPage(ShardId, page, 0), CancellationToken.None);
        return page;
    }

    /// <summary>Waits for every batch to be delivered or backed up, and checks the shard is checkpointed at its last record.</summary>
    public async Task DrainAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        ShardPosition? checkpoint = await _session.DrainAsync(limit.Token);
        checkpoint.ShouldBe(Appended.Values.Select(record => record.Position).Max(), "the checkpoint covers every record only once it is delivered or backed up");
    }

    /// <summary>The delivered objects (not the backups): key, and the records in it without the final newline.</summary>
    public async Task<List<(string Key, string Lines)>> DeliveredAsync()
    {
        var objects = new List<(string, string)>();
        foreach (string key in await KeysAsync(Prefix))
        {
            string content = Encoding.UTF8.GetString(await ReadAsync(key));
            content.ShouldEndWith("\n");
            objects.Add((key, content[..^1]));
        }

        return objects;
    }

    /// <summary>Every backed-up record: the object's key and each failed-record line, parsed.</summary>
    public Task<List<BackedUp>> BackedUpAsync() => BackupBucket.ReadAsync(_s3, Bucket, "errors/");

    public async ValueTask DisposeAsync()
    {
        await _session.DisposeAsync();
        await _pipeline.StopAsync(CancellationToken.None);
        await _pipeline.DisposeAsync();
        await _writer.DisposeAsync();
        _writerClient.Dispose();
        _s3.Dispose();
    }

    private async Task<List<string>> KeysAsync(string prefix)
    {
        ListObjectsV2Response listing = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = Bucket, Prefix = prefix });
        return [.. (listing.S3Objects ?? []).Select(entry => entry.Key).Order(StringComparer.Ordinal)];
    }

    private async Task<byte[]> ReadAsync(string key)
    {
        using GetObjectResponse response = await _s3.GetObjectAsync(Bucket, key);
        await using var gzip = new GZipStream(response.ResponseStream, CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        await gzip.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private sealed class Checkpointer : IShardCheckpointer
    {
        public Task PersistAsync(ShardPosition? checkpoint, IReadOnlyList<PlannedBatch> pendingBatches, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
