namespace Delivery;

/// <summary>
/// A cut buffer on its way to a destination: the records of one shard between two positions, in shard order.
/// </summary>
public sealed class DeliveryBatch
{
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
    {
        ArgumentException.ThrowIfNullOrEmpty(deliveryStreamName);
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            throw new ArgumentException("A batch holds at least one record.", nameof(records));
        }

        DeliveryStreamName = deliveryStreamName;
        Source = source;
        Records = records;
        Id = source.DeterministicId();
        Partition = partition;
        ObjectId = partition is null ? Id : partition.ObjectIdFor(Id);
        DateTimeOffset oldest = DateTimeOffset.MaxValue;
        long bytes = 0;
        long memory = 0;
        foreach (SourceRecord record in records)
        {
            bytes += record.Data.Length;
            memory += record.MemoryBytes;
            if (record.ApproximateArrivalTimestamp < oldest)
            {
                oldest = record.ApproximateArrivalTimestamp;
            }
        }

        DataBytes = bytes;
        MemoryBytes = memory;
        OldestArrival = oldest;
    }

    /// <summary>The configured pipeline (delivery stream) name; it appears in object names.</summary>
    public string DeliveryStreamName { get; }

    public BatchSource Source { get; }

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

    /// <summary>Sum of the records' <see cref="SourceRecord.MemoryBytes"/>: what the batch holds of the memory budget.</summary>
    public long MemoryBytes { get; }

    /// <summary>
    /// Arrival time of the oldest record. Object prefixes and names use it rather than the clock, so a batch written again
    /// lands under the same key.
    /// </summary>
    public DateTimeOffset OldestArrival { get; }
}
