namespace Delivery.DirectPut.Protocol;

/// <summary>A PutRecord or PutRecordBatch call, read and checked against Firehose's limits.</summary>
/// <param name="DeliveryStreamName">The delivery stream (pipeline) named.</param>
/// <param name="Records">Each record's data, decoded from base64.</param>
/// <param name="Bytes">The records' bytes added up.</param>
public sealed record PutRecordsCall(string DeliveryStreamName, IReadOnlyList<byte[]> Records, long Bytes);

/// <summary>A DescribeDeliveryStream call.</summary>
public sealed record DescribeDeliveryStreamCall(string DeliveryStreamName);

/// <summary>A ListDeliveryStreams call.</summary>
/// <param name="Limit">Names to return at most: 1 to 10,000, default 10.</param>
/// <param name="DeliveryStreamType">Only streams of this type (DirectPut, KinesisStreamAsSource), or all.</param>
/// <param name="ExclusiveStartDeliveryStreamName">List the names after this one.</param>
public sealed record ListDeliveryStreamsCall(int Limit, string? DeliveryStreamType, string? ExclusiveStartDeliveryStreamName);
