using Delivery.Pages;
using Delivery.Plans;

namespace Delivery.Pipeline.Buffering;

/// <summary>
/// The records of every shard a worker holds for one pipeline, waiting to become one plan's batch
/// (<c>Buffering:Scope: Worker</c>, decision 0014). Each shard's records stay apart and in shard order, so a cut makes
/// one range per shard, and the batch holds them shard after shard as the plan orders them.
/// </summary>
/// <remarks>
/// Holds one reference on each page it holds records of, as <see cref="ShardBuffer"/> does. Not thread-safe; the
/// pipeline's worker-buffer lock serialises access.
/// </remarks>
public sealed class WorkerBuffer
{
    private readonly string _deliveryStreamName;
    private readonly string _streamName;
    private readonly SortedDictionary<string, ShardPart> _parts = new(StringComparer.Ordinal);

    public WorkerBuffer(string deliveryStreamName, string streamName)
    {
        ArgumentException.ThrowIfNullOrEmpty(deliveryStreamName);
        ArgumentException.ThrowIfNullOrEmpty(streamName);
        _deliveryStreamName = deliveryStreamName;
        _streamName = streamName;
    }

    public int Count { get; private set; }

    public long Bytes { get; private set; }

    public bool IsEmpty => Count == 0;

    /// <summary>Shards with records in the buffer.</summary>
    public int ShardCount => _parts.Count;

    /// <summary>The shards with records in the buffer, in the order a cut puts them.</summary>
    public string[] Shards => [.. _parts.Keys];

    /// <summary>Arrival time of the oldest buffered record; meaningful only when not empty.</summary>
    public DateTimeOffset OldestArrival { get; private set; } = DateTimeOffset.MaxValue;

    /// <summary>
    /// When the oldest record in the buffer entered it (a <see cref="TimeProvider.GetTimestamp"/> value): the buffer's
    /// interval runs from here. Meaningful only when not empty.
    /// </summary>
    public long OldestEntry { get; private set; } = long.MaxValue;

    /// <summary>
    /// Appends <paramref name="count"/> records of <paramref name="page"/> from <paramref name="start"/>, of shard
    /// <paramref name="shardId"/>, in shard order; they enter the buffer at <paramref name="entryTimestamp"/>.
    /// </summary>
    public void Append(string shardId, RecordPage page, int start, int count, long entryTimestamp)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (count <= 0)
        {
            return;
        }

        if (!_parts.TryGetValue(shardId, out ShardPart? part))
        {
            part = new ShardPart(entryTimestamp);
            _parts.Add(shardId, part);
            OldestEntry = Math.Min(OldestEntry, entryTimestamp);
        }

        List<PageSegment> segments = part.Segments;
        if (segments.Count > 0 && segments[^1] is { } last && ReferenceEquals(last.Page, page) && last.Start + last.Count == start)
        {
            segments[^1] = last with { Count = last.Count + count };
        }
        else
        {
            page.Retain();
            segments.Add(new PageSegment(page, start, count));
        }

        long bytes = 0;
        for (int i = start; i < start + count; i++)
        {
            bytes += page.DataLengthAt(i);
        }

        part.Count += count;
        part.Bytes += bytes;
        Count += count;
        Bytes += bytes;
        DateTimeOffset oldest = page.OldestArrival(start, count);
        if (oldest < OldestArrival)
        {
            OldestArrival = oldest;
        }
    }

    /// <summary>What the buffer holds of <paramref name="shardId"/>.</summary>
    public (int Count, long Bytes) Of(string shardId) =>
        _parts.TryGetValue(shardId, out ShardPart? part) ? (part.Count, part.Bytes) : (0, 0);

    /// <summary>Drops what the buffer holds of a shard whose lease is gone: its page references go back.</summary>
    public (int Count, long Bytes) Discard(string shardId)
    {
        if (!_parts.Remove(shardId, out ShardPart? part))
        {
            return (0, 0);
        }

        foreach (PageSegment segment in part.Segments)
        {
            segment.Page.Release();
        }

        Count -= part.Count;
        Bytes -= part.Bytes;
        OldestArrival = DateTimeOffset.MaxValue;
        OldestEntry = long.MaxValue;
        foreach (ShardPart remaining in _parts.Values)
        {
            OldestEntry = Math.Min(OldestEntry, remaining.FirstEntry);
            foreach (PageSegment segment in remaining.Segments)
            {
                DateTimeOffset oldest = segment.Page.OldestArrival(segment.Start, segment.Count);
                OldestArrival = oldest < OldestArrival ? oldest : OldestArrival;
            }
        }

        return (part.Count, part.Bytes);
    }

    /// <summary>Empties the buffer without delivering: every page reference goes back.</summary>
    public void DiscardAll()
    {
        foreach (string shardId in _parts.Keys.ToArray())
        {
            Discard(shardId);
        }
    }

    /// <summary>
    /// Cuts everything buffered into one plan's batch, which takes over the buffer's page references; null when empty.
    /// </summary>
    public DeliveryBatch? TryCut()
    {
        if (IsEmpty)
        {
            return null;
        }

        var ranges = new List<BatchSource>(_parts.Count);
        var segments = new List<PageSegment>();
        foreach ((string shardId, ShardPart part) in _parts)
        {
            PageSegment first = part.Segments[0];
            PageSegment last = part.Segments[^1];
            ranges.Add(new BatchSource(_streamName, shardId, first[0].Position, last[last.Count - 1].Position));

            // The plan orders its ranges by shard id (ordinal), as this dictionary does.
            segments.AddRange(part.Segments);
        }

        _parts.Clear();
        Count = 0;
        Bytes = 0;
        OldestArrival = DateTimeOffset.MaxValue;
        OldestEntry = long.MaxValue;
        return new DeliveryBatch(_deliveryStreamName, new BatchPlan(ranges), [.. segments]);
    }

    private sealed class ShardPart(long firstEntry)
    {
        // A shard's records enter in order, so its first record is its oldest in the buffer.
        public long FirstEntry { get; } = firstEntry;

        public List<PageSegment> Segments { get; } = [];

        public int Count { get; set; }

        public long Bytes { get; set; }
    }
}
