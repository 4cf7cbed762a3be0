using System.Collections.Concurrent;
using System.Text;
using Amazon.S3;
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
