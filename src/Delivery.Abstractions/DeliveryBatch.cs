using Delivery.Pages;
using Delivery.Plans;

namespace Delivery;

/// <summary>
/// A cut buffer on its way to a destination: the records of one shard between two positions, in shard order; or, with
/// worker-scope buffering, the records of a <see cref="BatchPlan"/>: one range of each of several shards, shard after shard.
/// </summary>
/// <remarks>
/// A batch cut by the pipeline holds one reference on every page its records lie in (see <see cref="RecordPage"/>), and
/// gives them back with <see cref="Release"/> once it is acknowledged, dropped or abandoned; its records are valid until
/// then. A batch made of records it does not own (a processor's output, a partition of a batch) lives within the batch
/// it was made from and releases nothing.
/// </remarks>
public sealed class DeliveryBatch
{
    private PageSegment[]? _owned;
    private IMemoryAccount? _account;

    /// <param name="deliveryStreamName">The pipeline's name.</param>
    /// <param name="source">The source range; the batch's id derives from it.</param>
    /// <param name="records">
    /// At least one record, in shard order. Records a processor made of one source record (its parts, when it was split)
    /// share that record's position.
    /// </param>
    /// <param name="partition">
    /// With dynamic partitioning, the partition these records (the transformed records of <paramref name="source"/> that
    /// share these keys) belong to; null otherwise.
    /// </param>
    public DeliveryBatch(string deliveryStreamName, BatchSource source, IReadOnlyList<SourceRecord> records, PartitionKeys? partition = null)
        : this(deliveryStreamName, source, records, partition, null)
    {
    }

    private DeliveryBatch(string deliveryStreamName, BatchSource source, IReadOnlyList<SourceRecord> records, PartitionKeys? partition, BatchPlan? plan)
    {
        ArgumentException.ThrowIfNullOrEmpty(deliveryStreamName);
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            throw new ArgumentException("A batch holds at least one record.", nameof(records));
        }

        DeliveryStreamName = deliveryStreamName;
        Source = source;
        Plan = plan;
        Records = records;
        Id = plan?.Id ?? source.DeterministicId();
        Partition = partition;
        ObjectId = partition is null ? Id : partition.ObjectIdFor(Id);
        DateTimeOffset oldest = DateTimeOffset.MaxValue;
        long bytes = 0;
        foreach (SourceRecord record in records)
        {
            bytes += record.Data.Length;
            if (record.ApproximateArrivalTimestamp < oldest)
            {
                oldest = record.ApproximateArrivalTimestamp;
            }
        }

        DataBytes = bytes;
        OldestArrival = oldest;
    }

    /// <summary>
    /// A batch of page segments that takes over one reference on each segment's page (the caller's), given back by
    /// <see cref="Release"/>.
    /// </summary>
    public DeliveryBatch(string deliveryStreamName, BatchSource source, PageSegment[] segments)
        : this(deliveryStreamName, source, null, segments)
    {
    }

    /// <summary>
    /// The batch of a worker-scope plan: <paramref name="segments"/> hold the plan's ranges' records, shard after shard in
    /// the plan's order. Takes over one reference on each segment's page, as the single-shard constructor does.
    /// </summary>
    public DeliveryBatch(string deliveryStreamName, BatchPlan plan, PageSegment[] segments)
        : this(deliveryStreamName, (plan ?? throw new ArgumentNullException(nameof(plan))).Ranges[0], plan, segments)
    {
    }

    private DeliveryBatch(string deliveryStreamName, BatchSource source, BatchPlan? plan, PageSegment[] segments)
    {
        ArgumentException.ThrowIfNullOrEmpty(deliveryStreamName);
        ArgumentNullException.ThrowIfNull(segments);
        if (segments.Length == 0 || Array.Exists(segments, segment => segment.Count <= 0))
        {
            throw new ArgumentException("A batch holds at least one record, and each of its segments at least one.", nameof(segments));
        }

        DeliveryStreamName = deliveryStreamName;
        Source = source;
        Plan = plan;
        Records = new SegmentedRecords(segments);
        Id = plan?.Id ?? source.DeterministicId();
        ObjectId = Id;
        long bytes = 0;
        long oldest = long.MaxValue;
        foreach (PageSegment segment in segments)
        {
            bytes += segment.Page.DataBytesOf(segment.Start, segment.Count);
            oldest = Math.Min(oldest, segment.Page.OldestArrivalTicksOf(segment.Start, segment.Count));
        }

        DataBytes = bytes;
        OldestArrival = new DateTimeOffset(oldest, TimeSpan.Zero);
        _owned = segments;
    }

    /// <summary>The configured pipeline (delivery stream) name; it appears in object names.</summary>
    public string DeliveryStreamName { get; }

    /// <summary>The source range; for a plan's batch, the plan's first range (see <see cref="Sources"/>).</summary>
    public BatchSource Source { get; }

    /// <summary>The worker-scope plan this batch is; null for a batch of one shard's range.</summary>
    public BatchPlan? Plan { get; }

    /// <summary>Every source range of the batch: the plan's ranges, or <see cref="Source"/> alone.</summary>
    public IReadOnlyList<BatchSource> Sources => Plan?.Ranges ?? [Source];

    /// <summary>Deterministic id from <see cref="Source"/>; see <see cref="BatchSource.DeterministicId"/>.</summary>
    public string Id { get; }

    /// <summary>The dynamic partition of these records, or null without dynamic partitioning.</summary>
    public PartitionKeys? Partition { get; }

    /// <summary>
    /// The id a destination names this batch's object or request with: <see cref="Id"/>, or with dynamic partitioning an
    /// id derived from <see cref="Id"/> and <see cref="Partition"/>, so that each partition of a batch has its own,
    /// equally deterministic, object.
    /// </summary>
    public string ObjectId { get; }

    public IReadOnlyList<SourceRecord> Records { get; }

    /// <summary>Sum of the records' data lengths, uncompressed.</summary>
    public long DataBytes { get; }

    /// <summary>
    /// Arrival time of the oldest record. Object prefixes and names use it rather than the clock, so a batch written again
    /// lands under the same key.
    /// </summary>
    public DateTimeOffset OldestArrival { get; }

    /// <summary>
    /// The shard <paramref name="record"/> (one of this batch's records, or made from one) was read from: its page's
    /// shard, or for a record built on the heap the batch's own shard.
    /// </summary>
    public string ShardIdOf(in SourceRecord record)
    {
        string shardId = record.ShardId;
        return shardId.Length > 0 ? shardId : Source.ShardId;
    }

    /// <summary>
    /// A batch of other records made from this one's (processed records, a partition) that keeps this batch's identity:
    /// its id, source ranges and plan. It lives within this batch and releases nothing.
    /// </summary>
    public DeliveryBatch Derive(IReadOnlyList<SourceRecord> records, PartitionKeys? partition) =>
        new(DeliveryStreamName, Source, records, partition, Plan);

    /// <summary>The page segments the batch owns; empty for a batch that owns no pages.</summary>
    public ReadOnlySpan<PageSegment> Segments => _owned;

    /// <summary>The memory budget that what is made of this batch while it is written is charged to (set by the pipeline).</summary>
    public void ChargeTo(IMemoryAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        _account = account;
    }

    /// <summary>
    /// Charges <paramref name="bytes"/> that a writer made of this batch (processed records, decompressed data) to the
    /// pipeline's memory budget until the returned scope is disposed, so readers wait while they are held. Nothing
    /// when the batch is not charged to a budget.
    /// </summary>
    public IDisposable ChargeWhileWriting(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (_account is not { } account || bytes == 0)
        {
            return NoCharge.Instance;
        }

        account.Charge(bytes);
        return new Charge(account, bytes);
    }

    /// <summary>
    /// Gives back the batch's page references (acknowledged, dropped or abandoned): its records must not be read after
    /// this. Only the first call does anything; a batch that owns no pages releases nothing.
    /// </summary>
    public void Release()
    {
        PageSegment[]? owned = Interlocked.Exchange(ref _owned, null);
        if (owned is null)
        {
            return;
        }

        foreach (PageSegment segment in owned)
        {
            segment.Page.Release();
        }
    }

    private sealed class Charge(IMemoryAccount account, long bytes) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                account.Release(bytes);
            }
        }
    }

    private sealed class NoCharge : IDisposable
    {
        public static NoCharge Instance { get; } = new();

        public void Dispose()
        {
        }
    }
}
