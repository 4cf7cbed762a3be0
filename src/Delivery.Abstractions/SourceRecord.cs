namespace Delivery;

/// <summary>One record as read from a shard, before any transformation.</summary>
/// <param name="Position">Where the record sits in its shard.</param>
/// <param name="PartitionKey">The Kinesis partition key the producer gave.</param>
/// <param name="ApproximateArrivalTimestamp">When Kinesis accepted the record.</param>
/// <param name="Data">The record's bytes, exactly as the producer put them.</param>
public readonly record struct SourceRecord(
    ShardPosition Position,
    string PartitionKey,
    DateTimeOffset ApproximateArrivalTimestamp,
    ReadOnlyMemory<byte> Data)
{
    /// <summary>
    /// What a held record costs besides its data, in bytes: its struct in a page and again in a buffer (2 x 56), the
    /// header of its data array (24) and the headers of its sequence-number and partition-key strings (2 x 22). The
    /// strings' characters are counted by <see cref="MemoryBytes"/> from their lengths.
    /// </summary>
    public const int OverheadBytes = 180;

    /// <summary>
    /// What holding this record costs the worker's memory budget: its data and the objects around it. For a 100-byte
    /// record the objects are most of it, so a budget that counted data alone would let memory grow to several times
    /// the budget.
    /// </summary>
    public long MemoryBytes => EstimateMemoryBytes(Data.Length, PartitionKey?.Length ?? 0, Position.SequenceNumber?.Length ?? 0);

    /// <summary>
    /// What a record of these sizes costs the memory budget (see <see cref="MemoryBytes"/>): also what a reader expects
    /// of records it has not read yet.
    /// </summary>
    /// <param name="dataBytes">The record's data length.</param>
    /// <param name="partitionKeyLength">Characters in its partition key.</param>
    /// <param name="sequenceNumberLength">Characters in its sequence number (56 for Kinesis).</param>
    public static long EstimateMemoryBytes(long dataBytes, int partitionKeyLength, int sequenceNumberLength) =>
        dataBytes + OverheadBytes + (2L * (partitionKeyLength + sequenceNumberLength));
}
