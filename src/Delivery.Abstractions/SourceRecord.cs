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
    ReadOnlyMemory<byte> Data);
