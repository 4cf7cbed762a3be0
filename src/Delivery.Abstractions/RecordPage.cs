namespace Delivery;

/// <summary>
/// The records of one GetRecords call for one shard, handed from the reader to the pipeline as a unit: work moves in
/// pages, never one record at a time.
/// </summary>
public sealed class RecordPage
{
    public RecordPage(string shardId, IReadOnlyList<SourceRecord> records, long millisBehindLatest)
    {
        ArgumentNullException.ThrowIfNull(records);
        ShardId = shardId;
        Records = records;
        MillisBehindLatest = millisBehindLatest;
        long bytes = 0;
        long memory = 0;
        foreach (SourceRecord record in records)
        {
            bytes += record.Data.Length;
            memory += record.MemoryBytes;
        }

        DataBytes = bytes;
        MemoryBytes = memory;
    }

    public string ShardId { get; }

    public IReadOnlyList<SourceRecord> Records { get; }

    /// <summary>How far the shard's reader is behind the tip of the stream after this page.</summary>
    public long MillisBehindLatest { get; }

    /// <summary>The sum of the records' data lengths.</summary>
    public long DataBytes { get; }

    /// <summary>The sum of the records' <see cref="SourceRecord.MemoryBytes"/>: what the page costs the memory budget.</summary>
    public long MemoryBytes { get; }
}
