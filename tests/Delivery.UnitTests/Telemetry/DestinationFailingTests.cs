using System.Text;
using Delivery.Pipeline;
using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Memory;
using Delivery.Telemetry;
using Delivery.Testing;
using Delivery.UnitTests.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.UnitTests.Telemetry;

/// <summary>What readiness and FailingSeconds report when a batch's records all fail before the destination.</summary>
public sealed class DestinationFailingTests : IAsyncDisposable
{
    private const string Name = "review-pipeline";
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingBatchWriter _writer = new();
    private readonly RecordingBackupWriter _backup = new();
    private readonly DeliveryMetrics _metrics;
    private DeliveryPipeline? _pipeline;

    public DestinationFailingTests()
    {
        _metrics = new DeliveryMetrics(_time);
    }

    /// <summary>
    /// Regression (cosmetic / operations): DeliveryPipeline.RecordDelivery reports a batch none of whose records reached the
    /// destination as a failed write (Telemetry.BatchFailed), and since issue 13 that starts DeliveryFailingSince. A batch
    /// whose every record failed a transform, the Parquet conversion or dynamic partitioning is such a batch, although
    /// no write failed and the destination is fine. Readiness then says "writes to S3 have failed since ...",
    /// DeliveryToS3.FailingSeconds climbs (the infra/ stack alarms above 300 s) and both stay so until some later batch
    /// delivers a record: a stream of bad input reads as "destination down".
    /// </summary>
    [Fact]
    public async Task ABatchWhoseEveryRecordFailedProcessing_DoesNotMarkTheDestinationAsFailing()
    {
        var checkpointer = new RecordingCheckpointer();
        _writer.FailRecords = batch => [.. Enumerable.Range(0, batch.Records.Count).Select(i => new FailedRecord(i, "Lambda.ProcessingFailed", "the transform rejected it", ErrorOutputTypes.ProcessingFailed))];
        var settings = new PipelineSettings { Name = Name, Buffering = new BufferingHints { SizeInMBs = 5, IntervalInSeconds = 0 }, MaxConcurrentDeliveries = 1 };
        _pipeline = new DeliveryPipeline(settings, new S3Writer(_writer), _backup, new MemoryBudget(64L * 1024 * 1024), _time, NullLogger<DeliveryPipeline>.Instance, _metrics.ForPipeline(Name));
        _pipeline.Start();
        IShardSession session = _pipeline.OpenShard(new ShardSessionStart("stream", "shardId-A", null, []), checkpointer);

        await session.AppendAsync(Page(1, 3), CancellationToken.None);
        await Eventually.TrueAsync(() => checkpointer.LastCheckpoint == Records.Position(3), "the batch's records are backed up and checkpointed");
        _time.Advance(TimeSpan.FromMinutes(10));

        _backup.Written.Count.ShouldBe(1, "precondition: the records went to the backup bucket");
        _metrics.ForPipeline(Name).DeliveryFailingSince.ShouldBeNull(
            "no write to the destination failed, yet readiness now reports it failing and FailingSeconds has been rising for 10 minutes");
    }

    public async ValueTask DisposeAsync()
    {
        if (_pipeline is not null)
        {
            await _pipeline.DisposeAsync();
        }

        _metrics.Dispose();
    }

    private static RecordPage Page(int first, int count)
    {
        var records = new SourceRecord[count];
        for (int i = 0; i < count; i++)
        {
            records[i] = new SourceRecord(Records.Position(first + i), "pk", Records.Arrival, Encoding.ASCII.GetBytes("bad input"));
        }

        return new RecordPage("shardId-A", records, 0);
    }

    private sealed class S3Writer(RecordingBatchWriter inner) : IBatchWriter
    {
        public string DestinationType => "s3";

        public Task<BatchWriteResult> WriteAsync(DeliveryBatch batch, CancellationToken cancellationToken) => inner.WriteAsync(batch, cancellationToken);
    }
}
