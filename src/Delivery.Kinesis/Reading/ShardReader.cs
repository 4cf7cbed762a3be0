using Delivery.Kinesis.Client;
using Delivery.Kinesis.Leases;
using Delivery.Telemetry;
using Microsoft.Extensions.Logging;

namespace Delivery.Kinesis.Reading;

/// <summary>
/// Reads one shard with GetRecords and hands each page to the shard's session: no more often than the configured pace
/// (five calls a second at most), slower when the shard is caught up, backing off with jitter while throttled, following
/// NextShardIterator until the shard ends. KPL aggregates are split into their user records on the way.
/// </summary>
internal sealed class ShardReader
{
    internal static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);

    // GetRecords returns at most 10 MiB of data per call, whatever the limit on records.
    private const long MaxPageDataBytes = 10L * 1024 * 1024;

    // Until the shard has returned records: records of 1 KiB, which makes a full page of 10,000 exactly 10 MiB, with a
    // 64-character partition key and Kinesis's 56-digit sequence number.
    private const int InitialDataBytesPerRecord = 1024;
    private static readonly double InitialMemoryBytesPerRecord = SourceRecord.EstimateMemoryBytes(InitialDataBytesPerRecord, partitionKeyLength: 64, sequenceNumberLength: 56);
    private readonly IKinesisClient _kinesis;
    private readonly string _streamName;
    private readonly string _shardId;
    private readonly KinesisSourceOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly PipelineTelemetry? _telemetry;
    private readonly RecordPage _emptyPage;
    private ShardPosition? _lastRead;

    // A shard that starts at LATEST, while nothing of it has been read: when it was first opened, less a margin for the
    // difference between this worker's clock and Kinesis's arrival times; and whether this reader opens it at LATEST.
    private static readonly TimeSpan LatestClockMargin = TimeSpan.FromSeconds(30);
    private DateTimeOffset? _startingTimestamp;
    private bool _openAtLatestOnce;

    // Per Kinesis record (a KPL aggregate counts once), from the last page that had records.
    private double _dataBytesPerRecord = InitialDataBytesPerRecord;
    private double _memoryBytesPerRecord = InitialMemoryBytesPerRecord;

    public ShardReader(IKinesisClient kinesis, string shardId, KinesisSourceOptions options, TimeProvider timeProvider, ILogger logger, PipelineTelemetry? telemetry = null)
    {
        _telemetry = telemetry;
        _kinesis = kinesis;
        _streamName = options.StreamName;
        _shardId = shardId;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _emptyPage = new RecordPage(shardId, [], 0);
    }

    /// <summary>The position of the last record handed to the session; null before the first.</summary>
    public ShardPosition? LastRead => _lastRead;

    /// <summary>Milliseconds behind the tip of the stream after the last read; null before the first.</summary>
    public long? MillisBehindLatest { get; private set; }

    /// <summary>The children GetRecords named when the shard ended (empty when the service names none).</summary>
    public IReadOnlyList<ChildShard> ChildShards { get; private set; } = [];

    /// <summary>
    /// Reads until the shard ends (returns true) or <paramref name="cancellationToken"/> stops reading (returns false).
    /// <paramref name="beforeFirstRecord"/> runs once, before the first record of a shard that starts at LATEST or
    /// AT_TIMESTAMP is handed on, so that the lease can remember where reading started. <paramref name="beforeOpeningAtLatest"/>
    /// runs before a shard that starts at LATEST is first opened, with a time shortly before: a new owner opens the
    /// shard at that time while no record has been read, rather than at a LATEST that has moved on.
    /// </summary>
    public async Task<bool> ReadAsync(Lease lease, IShardSession session, Func<ShardPosition, Task> beforeFirstRecord, CancellationToken cancellationToken, Func<DateTimeOffset, Task>? beforeOpeningAtLatest = null)
    {
        bool startIsMoving = lease.Checkpoint.Position is null && lease.PendingBatches.Count == 0 && lease.StartingSequenceNumber is null
            && lease.Checkpoint.Value is LeaseCheckpoint.LatestValue or LeaseCheckpoint.AtTimestampValue;
        _startingTimestamp = lease.StartingTimestamp;
        if (startIsMoving && lease.Checkpoint.Value == LeaseCheckpoint.LatestValue && _startingTimestamp is null && beforeOpeningAtLatest is not null)
        {
            DateTimeOffset opened = _timeProvider.GetUtcNow() - LatestClockMargin;
            await beforeOpeningAtLatest(opened).ConfigureAwait(false);
            _startingTimestamp = opened;
            _openAtLatestOnce = true;
        }

        ReadingOptions pace = _options.Reading;
        string? iterator = await OpenIteratorAsync(lease, cancellationToken).ConfigureAwait(false);
        TimeSpan backoff = TimeSpan.FromMilliseconds(pace.MinMillisBetweenReads);
        TimeSpan minInterval = TimeSpan.FromMilliseconds(pace.MinMillisBetweenReads);
        long? lastCall = null;
        TimeSpan wait = TimeSpan.Zero;
        while (iterator is not null)
        {
            if (lastCall is { } previous)
            {
                TimeSpan delay = (wait > minInterval ? wait : minInterval) - _timeProvider.GetElapsedTime(previous);
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
                }
            }

            cancellationToken.ThrowIfCancellationRequested();

            // Room for the page is taken before it is read, so a reader never holds a page the budget does not count.
            await session.ReserveAsync(PageEstimate(pace.MaxRecordsPerRead), cancellationToken).ConfigureAwait(false);
            lastCall = _timeProvider.GetTimestamp();
            RecordPageResponse response;
            try
            {
                response = await _kinesis.ReadRecordPageAsync(new GetRecordsRequest { ShardIterator = iterator, Limit = pace.MaxRecordsPerRead }, _shardId, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromMilliseconds(pace.MinMillisBetweenReads);
            }
            catch (ExpiredIteratorException)
            {
                await session.AppendAsync(_emptyPage, cancellationToken).ConfigureAwait(false);
                Log.IteratorExpired(_logger, _shardId, _lastRead);
                iterator = await OpenIteratorAsync(lease, cancellationToken).ConfigureAwait(false);
                wait = TimeSpan.Zero;
                continue;
            }
            catch (AmazonKinesisException ex) when (ex.Kind == FailureKind.Retryable)
            {
                // The client has retried already; back off further so a throttled shard is never spun on. The jitter
                // keeps the shards of a throttled stream from retrying in step.
                if (ex is ProvisionedThroughputExceededException)
                {
                    _telemetry?.GetRecordsThrottled(_shardId);
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                wait = WithJitter(backoff);
                Log.ReadFailed(_logger, ex, _shardId, ex.ErrorCode, wait);

                // The reservation is not held through the backoff, where it would keep other shards waiting.
                await session.AppendAsync(_emptyPage, cancellationToken).ConfigureAwait(false);
                continue;
            }

            MillisBehindLatest = response.MillisBehindLatest;
            _telemetry?.RecordsRead(_shardId, response.KinesisRecordCount, response.KinesisDataBytes, response.MillisBehindLatest);
            foreach ((string sequenceNumber, string reason) in response.AggregateProblems)
            {
                Log.AggregateNotDeaggregated(_logger, _shardId, sequenceNumber, reason);
            }

            RecordPage page = response.Page;
            if (page.Count == 0)
            {
                page.Release();
                await session.AppendAsync(_emptyPage, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _dataBytesPerRecord = Math.Max(1, (double)response.KinesisDataBytes / response.KinesisRecordCount);
                _memoryBytesPerRecord = Math.Max(SourceRecord.OverheadBytes, (double)page.MemoryBytes / response.KinesisRecordCount);
                ShardPosition last;
                try
                {
                    last = page.Records[^1].Position;
                    if (startIsMoving)
                    {
                        // LATEST and AT_TIMESTAMP mean something else after a crash; the first record read is where a
                        // new owner must start if nothing gets checkpointed before then.
                        await beforeFirstRecord(page.Records[0].Position).ConfigureAwait(false);
                        startIsMoving = false;
                    }
                }
                catch
                {
                    page.Release();
                    throw;
                }

                // The page, and the reference on it, go to the session.
                await session.AppendAsync(page, cancellationToken).ConfigureAwait(false);
                _lastRead = last;
            }

            iterator = response.NextShardIterator;
            if (iterator is null)
            {
                ChildShards = response.ChildShards ?? [];
            }

            bool caughtUp = response.KinesisRecordCount == 0 && (response.MillisBehindLatest ?? 0) == 0;
            wait = caughtUp ? TimeSpan.FromMilliseconds(pace.IdleMillisBetweenReads) : TimeSpan.Zero;
        }

        return true;
    }

    /// <summary>
    /// What the next page should cost the memory budget: as many records as the limit and the 10 MiB a call returns at
    /// most allow, each costing what this shard's last records did, and the answer's JSON while it is read and parsed
    /// (base64 data, sequence number, partition key and field names: about 4/3 of the data and 200 bytes).
    /// </summary>
    private long PageEstimate(int maxRecords)
    {
        double records = Math.Min(maxRecords, Math.Ceiling(MaxPageDataBytes / _dataBytesPerRecord));
        double answerPerRecord = (_dataBytesPerRecord * 4 / 3) + 200;
        return (long)Math.Ceiling(records * (_memoryBytesPerRecord + answerPerRecord));
    }

    /// <summary>The backoff and up to half of it again, so the shards of a throttled stream do not retry in step.</summary>
    internal static TimeSpan WithJitter(TimeSpan backoff) =>
        backoff + TimeSpan.FromTicks((long)(backoff.Ticks * 0.5 * Random.Shared.NextDouble()));

    /// <summary>Opens the shard where reading stands, backing off while Kinesis is throttling or failing.</summary>
    private async Task<string?> OpenIteratorAsync(Lease lease, CancellationToken cancellationToken)
    {
        TimeSpan backoff = TimeSpan.FromMilliseconds(_options.Reading.MinMillisBetweenReads);
        while (true)
        {
            try
            {
                return await TryOpenIteratorAsync(lease, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonKinesisException ex) when (ex.Kind == FailureKind.Retryable && ex is not ExpiredIteratorException)
            {
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                Log.ReadFailed(_logger, ex, _shardId, ex.ErrorCode, backoff);
                await Task.Delay(backoff, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<string?> TryOpenIteratorAsync(Lease lease, CancellationToken cancellationToken)
    {
        var request = new GetShardIteratorRequest { StreamName = _streamName, ShardId = _shardId };

        // Reading resumes AT the last position (not after it) because a KPL aggregate shares one sequence number
        // across its user records; the session skips what it already has.
        ShardPosition? resumeAt = _lastRead
            ?? lease.Checkpoint.Position
            ?? (lease.PendingBatches.Count > 0 ? lease.PendingBatches[0].First : (ShardPosition?)null)
            ?? (lease.StartingSequenceNumber is { } start ? new ShardPosition(start) : null);
        if (resumeAt is { } position)
        {
            request.ShardIteratorType = ShardIteratorType.AtSequenceNumber;
            request.StartingSequenceNumber = position.SequenceNumber;
        }
        else if (lease.Checkpoint.Value == LeaseCheckpoint.LatestValue && (_openAtLatestOnce || _startingTimestamp is null))
        {
            // The first open of a shard that starts at LATEST; reopening it (an expired iterator) goes by the time below.
            _openAtLatestOnce = false;
            request.ShardIteratorType = ShardIteratorType.Latest;
        }
        else if (lease.Checkpoint.Value == LeaseCheckpoint.LatestValue)
        {
            // Nothing was read since the shard was first opened at LATEST: open it where that was, not where LATEST is now.
            request.ShardIteratorType = ShardIteratorType.AtTimestamp;
            request.Timestamp = _startingTimestamp!.Value.UtcDateTime;
        }
        else if (lease.Checkpoint.Value == LeaseCheckpoint.AtTimestampValue)
        {
            request.ShardIteratorType = ShardIteratorType.AtTimestamp;
            request.Timestamp = (_options.InitialTimestamp ?? throw new InvalidOperationException(
                $"Shard {_shardId} starts AT_TIMESTAMP but no InitialTimestamp is configured for stream {_streamName}.")).UtcDateTime;
        }
        else
        {
            request.ShardIteratorType = ShardIteratorType.TrimHorizon;
        }

        try
        {
            GetShardIteratorResponse response = await _kinesis.GetShardIteratorAsync(request, cancellationToken).ConfigureAwait(false);
            return response.ShardIterator;
        }
        catch (InvalidArgumentException ex) when (resumeAt is { } refused)
        {
            bool manualStart = _lastRead is null && lease.Checkpoint.Value == LeaseCheckpoint.AtSequenceNumberValue && refused.SequenceNumber == lease.StartingSequenceNumber;
            if (manualStart && !await IsBeforeTrimHorizonAsync(refused.SequenceNumber, cancellationToken).ConfigureAwait(false))
            {
                // A manual replay from a number that is not in the shard (and not because it aged out): a configuration
                // error that no other worker can get past either.
                throw new DeliveryException(FailureKind.Permanent, "Kinesis.InvalidStartingSequenceNumber",
                    $"Shard {_shardId} of stream '{_streamName}' cannot start at sequence number {lease.StartingSequenceNumber} (Kinesis:StartingSequenceNumbers:{_shardId}): {ex.Message}", ex);
            }

            // The position is no longer in the shard: its records aged out of the stream's retention before they were
            // delivered (a destination down for longer than the retention; a manual replay from near the retention's
            // edge that could not be delivered in time). They cannot be read by anyone; what is left starts at the trim
            // horizon. Records at or before the checkpoint are skipped by the session, so nothing is delivered twice if
            // the position was refused for another reason.
            Log.PositionAgedOut(_logger, ex, _shardId, _streamName, refused);
            _telemetry?.RecordsAgedOut(_shardId);
            request = new GetShardIteratorRequest { StreamName = _streamName, ShardId = _shardId, ShardIteratorType = ShardIteratorType.TrimHorizon };
            GetShardIteratorResponse response = await _kinesis.GetShardIteratorAsync(request, cancellationToken).ConfigureAwait(false);
            return response.ShardIterator;
        }
    }

    /// <summary>
    /// True when <paramref name="sequenceNumber"/> lies in the shard's range but before its oldest record (or the shard
    /// holds none any more): the number was in the shard once and has aged out, rather than never having been in it.
    /// </summary>
    private async Task<bool> IsBeforeTrimHorizonAsync(string? sequenceNumber, CancellationToken cancellationToken)
    {
        if (sequenceNumber is null)
        {
            return false;
        }

        IReadOnlyList<Shard> shards = await _kinesis.ListAllShardsAsync(_streamName, null, cancellationToken).ConfigureAwait(false);
        if (shards.FirstOrDefault(shard => shard.ShardId == _shardId)?.SequenceNumberRange?.StartingSequenceNumber is not { } first
            || ShardPosition.CompareSequenceNumbers(sequenceNumber, first) < 0)
        {
            return false;
        }

        var open = new GetShardIteratorRequest { StreamName = _streamName, ShardId = _shardId, ShardIteratorType = ShardIteratorType.TrimHorizon };
        string? iterator = (await _kinesis.GetShardIteratorAsync(open, cancellationToken).ConfigureAwait(false)).ShardIterator;

        // A read at the trim horizon may come back empty while it passes trimmed data: look a few pages further.
        for (int page = 0; page < 5 && iterator is not null; page++)
        {
            GetRecordsResponse oldest = await _kinesis.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator, Limit = 1 }, cancellationToken).ConfigureAwait(false);
            if (oldest.Records.Count > 0)
            {
                return ShardPosition.CompareSequenceNumbers(oldest.Records[0].SequenceNumber, sequenceNumber) > 0;
            }

            if ((oldest.MillisBehindLatest ?? 0) == 0)
            {
                return true;
            }

            iterator = oldest.NextShardIterator;
        }

        return true;
    }
}
