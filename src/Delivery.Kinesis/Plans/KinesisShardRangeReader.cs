using System.Runtime.CompilerServices;
using Delivery.Kinesis.Client;
using Delivery.Kinesis.Reading;
using Delivery.Plans;
using Microsoft.Extensions.Logging;

namespace Delivery.Kinesis.Plans;

/// <summary>
/// Reads one range of a shard again, without its lease, to complete a committed plan (decision 0014): opens the shard
/// AT_SEQUENCE_NUMBER the range's first record and follows GetRecords until the range's last record, the shard's end,
/// or the tip of the stream. Only records inside the range are handed on, KPL user records by their sub-sequence
/// numbers; a page that straddles an end of the range is copied down to its records in the range.
/// </summary>
public sealed class KinesisShardRangeReader : IShardRangeReader
{
    private readonly IKinesisClient _kinesis;
    private readonly ReadingOptions _reading;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<KinesisShardRangeReader> _logger;

    public KinesisShardRangeReader(IKinesisClient kinesis, ReadingOptions reading, TimeProvider timeProvider, ILogger<KinesisShardRangeReader> logger)
    {
        ArgumentNullException.ThrowIfNull(kinesis);
        ArgumentNullException.ThrowIfNull(reading);
        _kinesis = kinesis;
        _reading = reading;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public async IAsyncEnumerable<RecordPage> ReadAsync(BatchSource range, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (range.First > range.Last)
        {
            throw new ArgumentException($"Range {range.First}..{range.Last} of shard {range.ShardId} is reversed.", nameof(range));
        }

        ShardPosition? lastHandedOn = null;
        string? iterator = await OpenAsync(range, range.First, cancellationToken).ConfigureAwait(false);
        TimeSpan minInterval = TimeSpan.FromMilliseconds(_reading.MinMillisBetweenReads);
        TimeSpan backoff = minInterval;
        TimeSpan wait = TimeSpan.Zero;
        long? lastCall = null;
        while (iterator is not null)
        {
            if (lastCall is { } previous)
            {
                // The shard's owner reads it too, and Kinesis allows five reads a second per shard for all readers.
                TimeSpan delay = (wait > minInterval ? wait : minInterval) - _timeProvider.GetElapsedTime(previous);
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
                }
            }

            cancellationToken.ThrowIfCancellationRequested();
            lastCall = _timeProvider.GetTimestamp();
            RecordPageResponse response;
            try
            {
                response = await _kinesis.ReadRecordPageAsync(new GetRecordsRequest { ShardIterator = iterator, Limit = _reading.MaxRecordsPerRead }, range.ShardId, cancellationToken).ConfigureAwait(false);
                backoff = minInterval;
                wait = TimeSpan.Zero;
            }
            catch (ExpiredIteratorException)
            {
                // Re-open at what was handed on last (AT, because a KPL aggregate's user records share its sequence
                // number); the records up to it are skipped below.
                iterator = await OpenAsync(range, lastHandedOn ?? range.First, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (AmazonKinesisException ex) when (ex.Kind == FailureKind.Retryable)
            {
                // The client has retried already; back off further, as the shard reader does.
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, ShardReader.MaxBackoff.Ticks));
                wait = ShardReader.WithJitter(backoff);
                Log.RangeReadFailed(_logger, ex, range.ShardId, ex.ErrorCode, wait);
                continue;
            }

            (RecordPage? inRange, bool pastLast) = InRange(response.Page, range, lastHandedOn);
            if (inRange is not null)
            {
                ShardPosition first = inRange.Records[0].Position;
                if (lastHandedOn is null && first != range.First)
                {
                    Log.RangeTrimmed(_logger, range.StreamName, range.ShardId, range.First, range.Last, first);
                }

                lastHandedOn = inRange.Records[^1].Position;
                yield return inRange;
            }

            bool caughtUp = response.KinesisRecordCount == 0 && (response.MillisBehindLatest ?? 0) == 0;
            iterator = pastLast || lastHandedOn == range.Last || caughtUp ? null : response.NextShardIterator;
        }
    }

    /// <summary>
    /// The records of <paramref name="page"/> inside the range and after <paramref name="after"/>: the page itself when
    /// all are, a copy of those when some are (the page is released), null when none are (released too); and whether
    /// the page reached past the range's last record.
    /// </summary>
    private static (RecordPage? Page, bool PastLast) InRange(RecordPage page, BatchSource range, ShardPosition? after)
    {
        try
        {
            IReadOnlyList<SourceRecord> records = page.Records;
            int start = 0;
            while (start < records.Count && (records[start].Position < range.First || (after is { } handedOn && records[start].Position <= handedOn)))
            {
                start++;
            }

            int end = start;
            while (end < records.Count && records[end].Position <= range.Last)
            {
                end++;
            }

            bool pastLast = end < records.Count;
            if (start == 0 && end == records.Count && records.Count > 0)
            {
                return (page, pastLast);
            }

            RecordPage? copy = end > start ? new RecordPage(page.ShardId, [.. records.Skip(start).Take(end - start)], page.MillisBehindLatest) : null;
            page.Release();
            return (copy, pastLast);
        }
        catch
        {
            page.Release();
            throw;
        }
    }

    /// <summary>Opens the shard at <paramref name="at"/>; at its oldest record when that has been trimmed away.</summary>
    private async Task<string?> OpenAsync(BatchSource range, ShardPosition at, CancellationToken cancellationToken)
    {
        TimeSpan backoff = TimeSpan.FromMilliseconds(_reading.MinMillisBetweenReads);
        var request = new GetShardIteratorRequest
        {
            StreamName = range.StreamName,
            ShardId = range.ShardId,
            ShardIteratorType = ShardIteratorType.AtSequenceNumber,
            StartingSequenceNumber = at.SequenceNumber,
        };
        while (true)
        {
            try
            {
                return (await _kinesis.GetShardIteratorAsync(request, cancellationToken).ConfigureAwait(false)).ShardIterator;
            }
            catch (InvalidArgumentException) when (request.ShardIteratorType == ShardIteratorType.AtSequenceNumber)
            {
                // The position is no longer in the shard: what is left of the range starts at the trim horizon.
                request = new GetShardIteratorRequest { StreamName = range.StreamName, ShardId = range.ShardId, ShardIteratorType = ShardIteratorType.TrimHorizon };
            }
            catch (AmazonKinesisException ex) when (ex.Kind == FailureKind.Retryable && ex is not ExpiredIteratorException)
            {
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, ShardReader.MaxBackoff.Ticks));
                Log.RangeReadFailed(_logger, ex, range.ShardId, ex.ErrorCode, backoff);
                await Task.Delay(backoff, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
