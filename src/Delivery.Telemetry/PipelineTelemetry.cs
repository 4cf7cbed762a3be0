using System.Collections.Concurrent;
using System.Diagnostics;

namespace Delivery.Telemetry;

/// <summary>
/// What one pipeline measures, and what it has seen lately per shard (for the status page): each method is called at
/// the point where its event happens, from any thread.
/// </summary>
public sealed class PipelineTelemetry
{
    private readonly DeliveryMetrics _metrics;
    private readonly ConcurrentDictionary<string, ShardActivity> _shards = new(StringComparer.Ordinal);
    private volatile Func<DateTimeOffset?>? _oldestUndelivered;
    private volatile string? _destinationType;
    private volatile ActivityError? _lastDeliveryFailure;
    private volatile ActivityError? _lastBackupFailure;
    private long _lastDeliveredTicks = -1;
    private long _deliveryFailingSinceTicks = -1;
    private long _backupFailingSinceTicks = -1;
    private long _incomingRecords;
    private long _incomingBytes;
    private long _deliveredRecords;
    private long _deliveredBytes;
    private long _backedUpRecords;
    private long _failedAttempts;
    private long _failedBackupAttempts;

    internal PipelineTelemetry(DeliveryMetrics metrics, string name)
    {
        _metrics = metrics;
        Name = name;
        CreatedAt = metrics.TimeProvider.GetUtcNow();
        Tags = new TagList { { DeliveryMetrics.DeliveryStreamNameTag, name } };
    }

    /// <summary>The pipeline (delivery stream) name.</summary>
    public string Name { get; }

    /// <summary>When this telemetry was created, with every count at zero.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>What each shard of this pipeline did last, for shards this worker has read.</summary>
    public IReadOnlyDictionary<string, ShardActivity> Shards => _shards;

    /// <summary>The destination type of the pipeline's writer ("s3", "http_endpoint", "redshift", "splunk"); names its DataFreshness metric.</summary>
    public string? DestinationType => _destinationType;

    /// <summary>When any batch of this pipeline was last delivered; null before the first.</summary>
    public DateTimeOffset? LastDeliveredAt => FromTicks(ref _lastDeliveredTicks);

    /// <summary>The last failed delivery attempt of this pipeline; the destination is unreachable while it is newer than <see cref="LastDeliveredAt"/>.</summary>
    public ActivityError? LastDeliveryFailure => _lastDeliveryFailure;

    /// <summary>The first failed write attempt since the destination last took a batch; null while it delivers.</summary>
    public DateTimeOffset? DeliveryFailingSince => FromTicks(ref _deliveryFailingSinceTicks);

    /// <summary>The last failed write to the backup bucket.</summary>
    public ActivityError? LastBackupFailure => _lastBackupFailure;

    /// <summary>The first failed backup write since the backup bucket last took one; null while it does.</summary>
    public DateTimeOffset? BackupFailingSince => FromTicks(ref _backupFailingSinceTicks);

    /// <summary>How long writes to the destination have been failing (the FailingSeconds metric); 0 while they succeed.</summary>
    public double DeliveryFailingSeconds => FailingSeconds(DeliveryFailingSince);

    /// <summary>How long writes to the backup bucket have been failing; 0 while they succeed.</summary>
    public double BackupFailingSeconds => FailingSeconds(BackupFailingSince);

    /// <summary>What this pipeline has counted on this worker since it started (the status page's totals).</summary>
    public PipelineCounts Counts => new(
        Interlocked.Read(ref _incomingRecords),
        Interlocked.Read(ref _incomingBytes),
        Interlocked.Read(ref _deliveredRecords),
        Interlocked.Read(ref _deliveredBytes),
        Interlocked.Read(ref _backedUpRecords),
        Interlocked.Read(ref _failedAttempts),
        Interlocked.Read(ref _failedBackupAttempts));

    internal string? MetricPrefix { get; private set; }

    internal TagList Tags { get; }

    internal int? PartitionCount { get; private set; }

    internal bool PartitionCountExceeded { get; private set; }

    /// <summary>
    /// Names the pipeline's destination and where DataFreshness comes from: the arrival time of the oldest record not
    /// yet delivered (null when nothing is waiting).
    /// </summary>
    public void TrackFreshness(string destinationType, Func<DateTimeOffset?> oldestUndeliveredArrival)
    {
        ArgumentNullException.ThrowIfNull(oldestUndeliveredArrival);
        _metrics.Destination(destinationType);
        _destinationType = destinationType;
        MetricPrefix = DeliveryMetrics.MetricPrefix(destinationType);
        _oldestUndelivered = oldestUndeliveredArrival;
    }

    /// <summary>
    /// Age of the oldest record not yet delivered: every record older than this is delivered or backed up. Zero when
    /// nothing is waiting; null when freshness is not tracked.
    /// </summary>
    public TimeSpan? DataFreshness()
    {
        if (_oldestUndelivered is not { } source)
        {
            return null;
        }

        if (source() is not { } oldest)
        {
            return TimeSpan.Zero;
        }

        TimeSpan age = _metrics.TimeProvider.GetUtcNow() - oldest;
        return age > TimeSpan.Zero ? age : TimeSpan.Zero;
    }

    // ---- Source (Kinesis) ----

    /// <summary>One GetRecords call answered: <paramref name="records"/> records (possibly none) of <paramref name="bytes"/> bytes.</summary>
    public void RecordsRead(string shardId, int records, long bytes, long? millisBehindLatest)
    {
        ShardActivity shard = Shard(shardId);
        shard.IsReading = true;
        shard.MillisBehindLatest = millisBehindLatest;
        shard.LastReadAt = _metrics.TimeProvider.GetUtcNow();
        if (records > 0)
        {
            _metrics.DataReadRecords.Add(records, Tags);
            _metrics.DataReadBytes.Add(bytes, Tags);
        }
    }

    /// <summary>A GetRecords call stayed throttled after the client's own retries.</summary>
    public void GetRecordsThrottled(string shardId)
    {
        _metrics.ThrottledGetRecords.Add(1, Tags);
        Shard(shardId).LastError = new ActivityError(_metrics.TimeProvider.GetUtcNow(), "Kinesis.ProvisionedThroughputExceededException", "GetRecords was throttled.");
    }

    /// <summary>
    /// The shard's next record to deliver had aged out of the stream's retention before it was delivered; reading went
    /// on at the trim horizon.
    /// </summary>
    public void RecordsAgedOut(string shardId)
    {
        _metrics.ShardPositionsAgedOut.Add(1, Tags);
        Shard(shardId).LastError = new ActivityError(_metrics.TimeProvider.GetUtcNow(), "Kinesis.RecordsAgedOut", "Records aged out of the stream's retention before they were delivered; reading went on at the trim horizon.");
    }

    /// <summary>The shard's reader stopped on an error; this worker tries it again after a backoff.</summary>
    public void ShardFailed(string shardId, string errorCode, string message)
    {
        _metrics.ShardReadFailures.Add(1, Tags);
        Shard(shardId).LastError = new ActivityError(_metrics.TimeProvider.GetUtcNow(), errorCode, message);
    }

    /// <summary>This worker stopped reading the shard (released, lost or ended): its lag is no longer reported.</summary>
    public void ShardStopped(string shardId)
    {
        if (_shards.TryGetValue(shardId, out ShardActivity? shard))
        {
            shard.IsReading = false;
        }
    }

    // ---- Pipeline ----

    /// <summary>A page of records entered the pipeline.</summary>
    public void RecordsIncoming(int records, long bytes)
    {
        _metrics.IncomingRecords.Add(records, Tags);
        _metrics.IncomingBytes.Add(bytes, Tags);
        Interlocked.Add(ref _incomingRecords, records);
        Interlocked.Add(ref _incomingBytes, bytes);
    }

    /// <summary>A batch of one shard was delivered (an S3 batch is one object).</summary>
    public void BatchDelivered(string destinationType, string shardId, int records, long bytes)
    {
        DestinationInstruments destination = _metrics.Destination(destinationType);
        destination.Records.Add(records, Tags);
        destination.Bytes.Add(bytes, Tags);
        destination.Success.Record(1, Tags);
        destination.ObjectCount?.Add(1, Tags);
        Interlocked.Add(ref _deliveredRecords, records);
        Interlocked.Add(ref _deliveredBytes, bytes);
        DateTimeOffset now = _metrics.TimeProvider.GetUtcNow();
        Shard(shardId).LastDeliveryAt = now;
        Interlocked.Exchange(ref _lastDeliveredTicks, now.UtcTicks);
        Interlocked.Exchange(ref _deliveryFailingSinceTicks, -1);
    }

    /// <summary>One attempt to write a batch failed; the pipeline retries it.</summary>
    public void BatchFailed(string destinationType, string shardId, string errorCode, string message)
    {
        _metrics.Destination(destinationType).Success.Record(0, Tags);
        Interlocked.Increment(ref _failedAttempts);
        var error = new ActivityError(_metrics.TimeProvider.GetUtcNow(), errorCode, message);
        Shard(shardId).LastError = error;
        _lastDeliveryFailure = error;
        Interlocked.CompareExchange(ref _deliveryFailingSinceTicks, error.At.UtcTicks, -1);
    }

    /// <summary>
    /// A request was acknowledged as indexed <paramref name="latency"/> after it was sent (Splunk's DataAckLatency);
    /// recorded under the destination <see cref="TrackFreshness"/> named.
    /// </summary>
    public void DataAcknowledged(TimeSpan latency)
    {
        if (_destinationType is { } destinationType)
        {
            _metrics.Destination(destinationType).DataAckLatency?.Record(latency.TotalSeconds, Tags);
        }
    }

    // ---- Backup bucket ----

    /// <summary>Failed (or, with AllData, source) records were written to the backup bucket.</summary>
    public void BackupWritten(int records, long bytes)
    {
        _metrics.BackupRecords.Add(records, Tags);
        _metrics.BackupBytes.Add(bytes, Tags);
        _metrics.BackupSuccess.Record(1, Tags);
        Interlocked.Add(ref _backedUpRecords, records);
        Interlocked.Exchange(ref _backupFailingSinceTicks, -1);
    }

    /// <summary>A write to the backup bucket failed and will be retried.</summary>
    public void BackupFailed(string shardId, string errorCode, string message)
    {
        _metrics.BackupSuccess.Record(0, Tags);
        Interlocked.Increment(ref _failedBackupAttempts);
        var error = new ActivityError(_metrics.TimeProvider.GetUtcNow(), errorCode, message);
        Shard(shardId).LastError = error;
        _lastBackupFailure = error;
        Interlocked.CompareExchange(ref _backupFailingSinceTicks, error.At.UtcTicks, -1);
    }

    // ---- Transforms ----

    /// <summary>One transform invocation (Lambda, HTTP or in-process) finished.</summary>
    public void ProcessingExecuted(TimeSpan duration, bool succeeded)
    {
        _metrics.ProcessingDuration.Record(duration.TotalMilliseconds, Tags);
        _metrics.ProcessingSuccess.Record(succeeded ? 1 : 0, Tags);
    }

    /// <summary>Records came back from a transform as Ok.</summary>
    public void ProcessingSucceeded(int records, long bytes)
    {
        _metrics.SucceedProcessingRecords.Add(records, Tags);
        _metrics.SucceedProcessingBytes.Add(bytes, Tags);
    }

    // ---- Format conversion ----

    public void ConversionSucceeded(int records, long bytes)
    {
        _metrics.SucceedConversionRecords.Add(records, Tags);
        _metrics.SucceedConversionBytes.Add(bytes, Tags);
    }

    public void ConversionFailed(int records, long bytes)
    {
        _metrics.FailedConversionRecords.Add(records, Tags);
        _metrics.FailedConversionBytes.Add(bytes, Tags);
    }

    // ---- Direct PUT (the Firehose API) ----

    /// <summary>
    /// A PutRecord or PutRecordBatch request was answered: <paramref name="succeeded"/> when with a 200 (some records
    /// may still have been refused), with what was stored and how many records were refused for throughput.
    /// </summary>
    public void PutAnswered(bool batch, bool succeeded, int storedRecords, long storedBytes, int throttledRecords, TimeSpan latency)
    {
        ApiInstruments api = _metrics.Api;
        if (succeeded)
        {
            api.IncomingPutRequests.Add(1, Tags);
        }

        if (batch)
        {
            api.PutRecordBatchRequests.Add(1, Tags);
            api.PutRecordBatchRecords.Add(storedRecords, Tags);
            api.PutRecordBatchBytes.Add(storedBytes, Tags);
            api.PutRecordBatchLatency.Record(latency.TotalMilliseconds, Tags);
        }
        else
        {
            api.PutRecordRequests.Add(1, Tags);
            api.PutRecordBytes.Add(storedBytes, Tags);
            api.PutRecordLatency.Record(latency.TotalMilliseconds, Tags);
        }

        if (throttledRecords > 0)
        {
            api.ThrottledRecords.Add(throttledRecords, Tags);
        }
    }

    /// <summary>A DescribeDeliveryStream request for this pipeline was answered.</summary>
    public void DescribeAnswered(TimeSpan latency)
    {
        _metrics.Api.DescribeRequests.Add(1, Tags);
        _metrics.Api.DescribeLatency.Record(latency.TotalMilliseconds, Tags);
    }

    // ---- Dynamic partitioning ----

    /// <summary>The number of active partitions now, and whether records are over the cap.</summary>
    public void PartitionsActive(int count, bool overCap)
    {
        PartitionCount = count;
        PartitionCountExceeded = overCap;
    }

    /// <summary>Seconds since <paramref name="since"/>, or 0 when it is null: how long something has been failing.</summary>
    internal double FailingSeconds(DateTimeOffset? since) =>
        since is { } start ? Math.Max(0, (_metrics.TimeProvider.GetUtcNow() - start).TotalSeconds) : 0;

    private static DateTimeOffset? FromTicks(ref long ticks) => Interlocked.Read(ref ticks) is var value and >= 0 ? new DateTimeOffset(value, TimeSpan.Zero) : null;

    private ShardActivity Shard(string shardId) => _shards.GetOrAdd(shardId, static _ => new ShardActivity());
}
