using System.Text;
using Delivery.Pipeline;
using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Memory;
using Delivery.Telemetry;
using Delivery.Testing;
using Delivery.UnitTests.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.UnitTests.Telemetry;

/// <summary>The metrics of a pipeline run whose every record, byte, object and failure is known in advance.</summary>
public sealed class PipelineMetricsTests : IAsyncDisposable
{
    private const string Name = "metrics-pipeline";
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingBatchWriter _writer = new();
    private readonly RecordingBackupWriter _backup = new();
    private readonly DeliveryMetrics _metrics;
    private readonly MeterCapture _capture;
    private DeliveryPipeline? _pipeline;

    public PipelineMetricsTests()
    {
        _metrics = new DeliveryMetrics(_time);
        _capture = new MeterCapture(_metrics.Meter);
    }

    [Fact]
    public async Task AKnownRun_CountsEveryRecordByteObjectAndAttempt_UnderFirehosesNames()
    {
        // Two shards, five pages; with interval 0 each page is one batch, so one object.
        var pages = new[]
        {
            Page("shardId-A", 1, 10, 100), Page("shardId-A", 11, 5, 37), Page("shardId-A", 16, 7, 1000),
            Page("shardId-B", 1, 3, 5), Page("shardId-B", 4, 20, 64),
        };
        var s3 = new S3Writer(_writer);
        _writer.FailNext(1);

        // The second page's first two records cannot be delivered: they go to the backup bucket.
        _writer.FailRecords = batch => batch.Records[0].Data.Length == 37 ? [new FailedRecord(0, "Test.Rejected", "no", ErrorOutputTypes.ProcessingFailed), new FailedRecord(1, "Test.Rejected", "no", ErrorOutputTypes.ProcessingFailed)] : [];
        var checkpointers = new Dictionary<string, RecordingCheckpointer> { ["shardId-A"] = new(), ["shardId-B"] = new() };
        Start(s3);
        var sessions = checkpointers.ToDictionary(pair => pair.Key, pair => _pipeline!.OpenShard(new ShardSessionStart("stream", pair.Key, null, []), pair.Value));

        foreach (RecordPage page in pages)
        {
            await sessions[page.ShardId].AppendAsync(page, CancellationToken.None);
        }

        await _time.AdvanceUntilAsync(() => _writer.Delivered.Count >= pages.Length, TimeSpan.FromSeconds(5));

        await Eventually.TrueAsync(() => checkpointers["shardId-A"].LastCheckpoint == Records.Position(22) && checkpointers["shardId-B"].LastCheckpoint == Records.Position(23), "every batch is checkpointed");
        long records = pages.Sum(page => (long)page.Records.Count);
        long bytes = pages.Sum(page => page.DataBytes);
        _capture.Sum("IncomingRecords", Name).ShouldBe(45);
        records.ShouldBe(45);
        _capture.Sum("IncomingBytes", Name).ShouldBe(bytes);
        _capture.Sum("DeliveryToS3.Records", Name).ShouldBe(records - 2);
        _capture.Sum("DeliveryToS3.Bytes", Name).ShouldBe(bytes - (2 * 37));
        _capture.Sum("DeliveryToS3.ObjectCount", Name).ShouldBe(5);
        _capture.Values("DeliveryToS3.Success", Name).Order().ToArray().ShouldBe(new double[] { 0, 1, 1, 1, 1, 1 }, "one failed attempt, then five delivered objects");
        _capture.Sum("BackupToS3.Records", Name).ShouldBe(2);
        _capture.Sum("BackupToS3.Bytes", Name).ShouldBe(2 * 37);
        _capture.Values("BackupToS3.Success", Name).ShouldBe(new double[] { 1 });
        _capture.Sum("SucceedConversion.Records", Name).ShouldBe(0, "nothing is converted without DataFormatConversion");
    }

    [Fact]
    public async Task AConvertingDestination_CountsWhatItConverted_AndWhatFailedConversion_ApartFromOtherFailures()
    {
        var checkpointer = new RecordingCheckpointer();
        _writer.FailRecords = batch => batch.Records[0].Data.Length == 40
            ? [new FailedRecord(0, "Parquet.TypeMismatch", "not an int", ErrorOutputTypes.FormatConversionFailed), new FailedRecord(3, "Parquet.TypeMismatch", "not an int", ErrorOutputTypes.FormatConversionFailed), new FailedRecord(5, "S3.KeyTooLong", "long", ErrorOutputTypes.ProcessingFailed)]
            : [];
        Start(new S3Writer(_writer), convertsFormat: true);
        IShardSession session = _pipeline!.OpenShard(new ShardSessionStart("stream", "shardId-A", null, []), checkpointer);

        await session.AppendAsync(Page("shardId-A", 1, 10, 40), CancellationToken.None);
        await session.AppendAsync(Page("shardId-A", 11, 4, 70), CancellationToken.None);

        await Eventually.TrueAsync(() => checkpointer.LastCheckpoint == Records.Position(14), "both batches are checkpointed");
        _capture.Sum("SucceedConversion.Records", Name).ShouldBe(7 + 4);
        _capture.Sum("SucceedConversion.Bytes", Name).ShouldBe((7 * 40) + (4 * 70));
        _capture.Sum("FailedConversion.Records", Name).ShouldBe(2, "the record refused for its key never reached conversion");
        _capture.Sum("FailedConversion.Bytes", Name).ShouldBe(2 * 40);
    }

    [Fact]
    public async Task DataFreshness_RisesWhileTheDestinationIsDown_AndFallsToZeroOnceDelivered()
    {
        var checkpointer = new RecordingCheckpointer();
        Start(new S3Writer(_writer));
        IShardSession session = _pipeline!.OpenShard(new ShardSessionStart("stream", "shardId-A", null, []), checkpointer);
        _capture.Observe("DeliveryToS3.DataFreshness").ShouldHaveSingleItem().Value.ShouldBe(0, "nothing waits yet");

        _writer.Block();
        await session.AppendAsync(Page("shardId-A", 1, 4, 10, arrival: _time.GetUtcNow()), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(30));
        _capture.Observe("DeliveryToS3.DataFreshness").ShouldHaveSingleItem().Value.ShouldBe(30);
        _time.Advance(TimeSpan.FromSeconds(60));
        (double value, Dictionary<string, object?> tags) = _capture.Observe("DeliveryToS3.DataFreshness").ShouldHaveSingleItem();
        value.ShouldBe(90);
        tags[DeliveryMetrics.DeliveryStreamNameTag].ShouldBe(Name);

        _writer.Unblock();
        await Eventually.TrueAsync(() => checkpointer.LastCheckpoint == Records.Position(4), "the batch is checkpointed");
        _capture.Observe("DeliveryToS3.DataFreshness").ShouldHaveSingleItem().Value.ShouldBe(0);
    }

    [Fact]
    public async Task FailingSeconds_CountsHowLongTheDestinationHasFailed_AndFallsToZeroOnceItDelivers()
    {
        var checkpointer = new RecordingCheckpointer();
        Start(new S3Writer(_writer));
        IShardSession session = _pipeline!.OpenShard(new ShardSessionStart("stream", "shardId-A", null, []), checkpointer);
        _capture.Observe("DeliveryToS3.FailingSeconds").ShouldHaveSingleItem().Value.ShouldBe(0, "nothing has failed");

        _writer.FailNext(1000);
        await session.AppendAsync(Page("shardId-A", 1, 4, 10), CancellationToken.None);
        await Eventually.TrueAsync(() => _metrics.ForPipeline(Name).LastDeliveryFailure is not null, "the first write fails");
        _time.Advance(TimeSpan.FromSeconds(45));
        (double value, Dictionary<string, object?> tags) = _capture.Observe("DeliveryToS3.FailingSeconds").ShouldHaveSingleItem();
        value.ShouldBe(45, "measured from the first failed attempt, across the retries since");
        _metrics.ForPipeline(Name).DeliveryFailingSince.ShouldNotBeNull("readiness reports the same");
        tags[DeliveryMetrics.DeliveryStreamNameTag].ShouldBe(Name);

        _writer.FailNext(0);
        await _time.AdvanceUntilAsync(() => checkpointer.LastCheckpoint is not null, TimeSpan.FromSeconds(10));

        checkpointer.LastCheckpoint.ShouldBe(Records.Position(4));
        _capture.Observe("DeliveryToS3.FailingSeconds").ShouldHaveSingleItem().Value.ShouldBe(0);
        _metrics.ForPipeline(Name).DeliveryFailingSince.ShouldBeNull("readiness is green again");
    }

    [Fact]
    public async Task BackupFailingSeconds_CountsHowLongTheBackupBucketHasFailed_AndFallsToZeroOnceItIsWritten()
    {
        var checkpointer = new RecordingCheckpointer();
        _writer.FailRecords = _ => [new FailedRecord(0, "Test.Rejected", "no", ErrorOutputTypes.ProcessingFailed)];
        Start(new S3Writer(_writer));
        IShardSession session = _pipeline!.OpenShard(new ShardSessionStart("stream", "shardId-A", null, []), checkpointer);
        _capture.Observe("BackupToS3.FailingSeconds").ShouldHaveSingleItem().Value.ShouldBe(0, "nothing has failed");

        _backup.FailNext(1000);
        await session.AppendAsync(Page("shardId-A", 1, 2, 10), CancellationToken.None);
        await Eventually.TrueAsync(() => _metrics.ForPipeline(Name).Shards.TryGetValue("shardId-A", out ShardActivity? shard) && shard.LastError is not null, "the first backup write fails");
        _time.Advance(TimeSpan.FromSeconds(20));
        _capture.Observe("BackupToS3.FailingSeconds").ShouldHaveSingleItem().Value.ShouldBe(20);
        _metrics.ForPipeline(Name).BackupFailingSince.ShouldNotBeNull("readiness reports the backup bucket too");

        _backup.FailNext(0);
        await _time.AdvanceUntilAsync(() => checkpointer.LastCheckpoint is not null, TimeSpan.FromSeconds(10));

        checkpointer.LastCheckpoint.ShouldBe(Records.Position(2));
        _capture.Observe("BackupToS3.FailingSeconds").ShouldHaveSingleItem().Value.ShouldBe(0);
        _metrics.ForPipeline(Name).BackupFailingSince.ShouldBeNull();
    }

    [Fact]
    public void Reads_CountRecordsAndBytes_AndReportLagPerShard_UntilTheShardStops()
    {
        PipelineTelemetry telemetry = _metrics.ForPipeline(Name);

        telemetry.RecordsRead("shardId-A", 100, 4096, 1500);
        telemetry.RecordsRead("shardId-B", 0, 0, 20);
        telemetry.RecordsRead("shardId-A", 50, 1024, 700);
        telemetry.GetRecordsThrottled("shardId-B");

        _capture.Sum("DataReadFromKinesisStream.Records", Name).ShouldBe(150);
        _capture.Sum("DataReadFromKinesisStream.Bytes", Name).ShouldBe(5120);
        _capture.Sum("ThrottledGetRecords", Name).ShouldBe(1);
        _capture.Observe("KinesisMillisBehindLatest").Select(m => ((string)m.Tags[DeliveryMetrics.ShardIdTag]!, m.Value)).ShouldBe([("shardId-A", 700), ("shardId-B", 20)], ignoreOrder: true);
        telemetry.Shards["shardId-B"].LastError!.ErrorCode.ShouldBe("Kinesis.ProvisionedThroughputExceededException");

        telemetry.ShardStopped("shardId-A");
        _capture.Observe("KinesisMillisBehindLatest").ShouldHaveSingleItem().Tags[DeliveryMetrics.ShardIdTag].ShouldBe("shardId-B");
    }

    [Theory]
    [InlineData("s3", "DeliveryToS3")]
    [InlineData("http", "DeliveryToHttpEndpoint")]
    [InlineData("http-endpoint", "DeliveryToHttpEndpoint")]
    [InlineData("redshift", "DeliveryToRedshift")]
    [InlineData("opensearch", "DeliveryToAmazonOpenSearchService")]
    [InlineData("splunk", "DeliveryToSplunk")]
    public void DestinationTypes_MapToFirehosesMetricPrefixes(string destinationType, string prefix) =>
        DeliveryMetrics.MetricPrefix(destinationType).ShouldBe(prefix);

    [Fact]
    public void SplunksAcknowledgementLatency_IsDeliveryToSplunkDataAckLatency_OnlyForSplunk()
    {
        PipelineTelemetry splunk = _metrics.ForPipeline(Name);
        splunk.TrackFreshness("splunk", () => null);
        PipelineTelemetry s3 = _metrics.ForPipeline("other");
        s3.TrackFreshness("s3", () => null);

        splunk.DataAcknowledged(TimeSpan.FromSeconds(7));
        s3.DataAcknowledged(TimeSpan.FromSeconds(3));

        _capture.Values("DeliveryToSplunk.DataAckLatency", Name).ShouldBe([7]);
        _capture.Values("DeliveryToS3.DataAckLatency", "other").ShouldBeEmpty();
    }

    public async ValueTask DisposeAsync()
    {
        if (_pipeline is not null)
        {
            await _pipeline.DisposeAsync();
        }

        _capture.Dispose();
        _metrics.Dispose();
    }

    private static RecordPage Page(string shardId, int first, int count, int size, DateTimeOffset? arrival = null)
    {
        var records = new SourceRecord[count];
        for (int i = 0; i < count; i++)
        {
            records[i] = new SourceRecord(Records.Position(first + i), "pk", arrival ?? Records.Arrival, Encoding.ASCII.GetBytes(new string((char)('a' + (i % 26)), size)));
        }

        return new RecordPage(shardId, records, 0);
    }

    private void Start(IBatchWriter writer, bool convertsFormat = false)
    {
        var settings = new PipelineSettings { Name = Name, Buffering = new BufferingHints { SizeInMBs = 5, IntervalInSeconds = 0 }, MaxConcurrentDeliveries = 2, ConvertsFormat = convertsFormat };
        _pipeline = new DeliveryPipeline(settings, writer, _backup, new MemoryBudget(64L * 1024 * 1024), _time, NullLogger<DeliveryPipeline>.Instance, _metrics.ForPipeline(Name));
        _pipeline.Start();
    }

    /// <summary>The recording writer, presented as the S3 destination so the S3 metric names (ObjectCount) apply.</summary>
    private sealed class S3Writer(RecordingBatchWriter inner) : IBatchWriter
    {
        public string DestinationType => "s3";

        public Task<BatchWriteResult> WriteAsync(DeliveryBatch batch, CancellationToken cancellationToken) => inner.WriteAsync(batch, cancellationToken);
    }
}
