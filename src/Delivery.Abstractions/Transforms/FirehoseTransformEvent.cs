using System.Text.Json.Serialization;

namespace Delivery.Transforms;

/// <summary>
/// The JSON event a Lambda or HTTP transform receives, exactly as Firehose sends it to a data-transformation Lambda.
/// Delivery writes it with its own encoder; these types are for transform authors and tests that read it with
/// <c>System.Text.Json</c>.
/// </summary>
public sealed record FirehoseTransformEvent(
    [property: JsonPropertyName("invocationId")] string InvocationId,
    [property: JsonPropertyName("deliveryStreamArn")] string DeliveryStreamArn,
    [property: JsonPropertyName("sourceKinesisStreamArn")] string? SourceKinesisStreamArn,
    [property: JsonPropertyName("region")] string Region,
    [property: JsonPropertyName("records")] IReadOnlyList<FirehoseTransformEventRecord> Records);

/// <summary>One record of a <see cref="FirehoseTransformEvent"/>; <see cref="Data"/> is base64.</summary>
public sealed record FirehoseTransformEventRecord(
    [property: JsonPropertyName("recordId")] string RecordId,
    [property: JsonPropertyName("approximateArrivalTimestamp")] long ApproximateArrivalTimestamp,
    [property: JsonPropertyName("data")] string Data,
    [property: JsonPropertyName("kinesisRecordMetadata")] KinesisRecordMetadata? KinesisRecordMetadata);
