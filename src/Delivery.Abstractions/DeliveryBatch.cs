namespace Delivery;

/// <summary>
/// A cut buffer on its way to a destination: the records of one shard between two positions, in shard order.
/// </summary>
public sealed class DeliveryBatch
{
    public DeliveryBatch(string deliveryStreamName, BatchSource source, IReadOnlyList<SourceRecord> records)
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

    /// <summary>The configured pipeline (delivery stream) name; it appears in object names.</summary>
    public string DeliveryStreamName { get; }

    public BatchSource Source { get; }

    /// <summary>Deterministic id from <see cref="Source"/>; see <see cref="BatchSource.DeterministicId"/>.</summary>
    public string Id { get; }

    public IReadOnlyList<SourceRecord> Records { get; }

    /// <summary>Sum of the records' data lengths, uncompressed.</summary>
    public long DataBytes { get; }

    /// <summary>
    /// Arrival time of the oldest record. Object prefixes and names use it rather than the clock, so a batch written again
    /// lands under the same key.
    /// </summary>
    public DateTimeOffset OldestArrival { get; }
}
