using System.Text.Json.Serialization;

namespace Delivery.Transforms;

/// <summary>The <c>kinesisRecordMetadata</c> of a Firehose transform event record: where the source record sits.</summary>
/// <param name="ShardId">The shard, such as <c>shardId-000000000000</c>.</param>
/// <param name="PartitionKey">The Kinesis partition key the producer gave.</param>
/// <param name="SequenceNumber">The record's sequence number.</param>
/// <param name="SubsequenceNumber">Its position inside a KPL aggregate; 0 otherwise.</param>
/// <param name="ApproximateArrivalTimestamp">When Kinesis accepted it, in milliseconds since the Unix epoch.</param>
public sealed record KinesisRecordMetadata(
    [property: JsonPropertyName("shardId")] string ShardId,
    [property: JsonPropertyName("partitionKey")] string PartitionKey,
    [property: JsonPropertyName("sequenceNumber")] string SequenceNumber,
    [property: JsonPropertyName("subsequenceNumber")] long SubsequenceNumber,
    [property: JsonPropertyName("approximateArrivalTimestamp")] long ApproximateArrivalTimestamp);
