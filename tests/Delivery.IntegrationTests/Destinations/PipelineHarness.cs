using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Destinations.Backup;
using Delivery.Destinations.S3;
using Delivery.Pipeline;
using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Memory;
using Delivery.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.IntegrationTests.Destinations;

/// <summary>
/// One shard run through a real <see cref="DeliveryPipeline"/> into a destination, with failed records going to a real
/// backup bucket (s3rver). Checkpoints are recorded instead of written to a lease table.
/// </summary>
internal sealed class PipelineHarness : IAsyncDisposable
{
    public const string ShardId = "shardId-000000000003";

    private readonly DeliveryPipeline _pipeline;
    private readonly RecordingCheckpointer _checkpointer = new();
    private readonly IShardSession _session;

    public PipelineHarness(IBatchWriter writer, IAmazonS3 s3, string backupBucket, MemoryBudget budget, int intervalSeconds = 0, int maxConcurrentDeliveries = 2)
    {
        Budget = budget;
        var backup = new S3BackupWriter(new BackupOptions { BucketName = backupBucket }, s3, TimeProvider.System, NullLogger<S3BackupWriter>.Instance);
        var settings = new PipelineSettings
        {
            Name = "clicks",
            Buffering = new BufferingHints { SizeInMBs = 1, IntervalInSeconds = intervalSeconds },
            MaxConcurrentDeliveries = maxConcurrentDeliveries,
            InitialRetryDelay = TimeSpan.FromMilliseconds(200),
            MaxRetryDelay = TimeSpan.FromSeconds(1),
        };
        _pipeline = new DeliveryPipeline(settings, writer, backup, budget, TimeProvider.System, NullLogger<DeliveryPipeline>.Instance);
        _pipeline.Start();
        _session = _pipeline.OpenShard(new ShardSessionStart("clickstream", ShardId, null, []), _checkpointer);
    }

    public MemoryBudget Budget { get; }

    public ShardPosition? LastCheckpoint => _checkpointer.Last;

    public ValueTask AppendAsync(IReadOnlyList<SourceRecord> records, CancellationToken cancellationToken = default) =>
        _session.AppendAsync(new RecordPage(ShardId, records, 0), cancellationToken);

    public Task<ShardPosition?> DrainAsync(CancellationToken cancellationToken) => _session.DrainAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _session.DisposeAsync();
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _pipeline.StopAsync(grace.Token);
        await _pipeline.DisposeAsync();
    }

    /// <summary>Records numbered from <paramref name="first"/>, each with a payload that names its number.</summary>
    public static List<SourceRecord> Records(int first, int count, int padding = 0) =>
        [.. Enumerable.Range(first, count).Select(n => new SourceRecord(
            Position(n), "pk-" + (n % 7), new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero).AddMilliseconds(n),
            Encoding.UTF8.GetBytes($"{{\"n\":{n},\"pad\":\"{new string('p', padding)}\"}}")))];

    public static ShardPosition Position(int n) => new((49590000000000L + n).ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Every failed record in the backup bucket: its original bytes, error code and error output type (from the key).</summary>
    public static async Task<List<(byte[] Data, string ErrorCode, string Key)>> BackedUpAsync(IAmazonS3 s3, string bucket)
    {
        var found = new List<(byte[], string, string)>();
        ListObjectsV2Response listing = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        foreach (S3Object item in listing.S3Objects ?? [])
        {
            using GetObjectResponse stored = await s3.GetObjectAsync(bucket, item.Key);
            using var gzip = new GZipStream(stored.ResponseStream, CompressionMode.Decompress);
            using var reader = new StreamReader(gzip, Encoding.UTF8);
            while (await reader.ReadLineAsync() is { Length: > 0 } line)
            {
                using JsonDocument json = JsonDocument.Parse(line);
                found.Add((json.RootElement.GetProperty("rawData").GetBytesFromBase64(), json.RootElement.GetProperty("errorCode").GetString()!, item.Key));
            }
        }

        return found;
    }

    private sealed class RecordingCheckpointer : IShardCheckpointer
    {
        private readonly ConcurrentQueue<ShardPosition?> _checkpoints = new();

        public ShardPosition? Last => _checkpoints.LastOrDefault();

        public Task PersistAsync(ShardPosition? checkpoint, IReadOnlyList<PlannedBatch> pendingBatches, CancellationToken cancellationToken)
        {
            _checkpoints.Enqueue(checkpoint);
            return Task.CompletedTask;
        }
    }
}
