namespace Delivery.Transforms;

/// <summary>One record handed to an in-process transform.</summary>
/// <param name="RecordId">Opaque id, unique within the invocation; the result for this record must carry it back.</param>
/// <param name="Data">The record's bytes as the previous processor left them (the producer's bytes when it is the first).</param>
/// <param name="ApproximateArrivalTimestamp">When Kinesis accepted the source record.</param>
/// <param name="KinesisRecordMetadata">Where the source record sits in its stream.</param>
/// <param name="PartitionKeys">Partition keys an earlier transform in the chain set for this record; empty when none did.</param>
public sealed record TransformRecord(
    string RecordId,
    ReadOnlyMemory<byte> Data,
    DateTimeOffset ApproximateArrivalTimestamp,
    KinesisRecordMetadata KinesisRecordMetadata,
    IReadOnlyDictionary<string, string> PartitionKeys);
