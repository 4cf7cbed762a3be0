using System.Text.Json.Serialization;

namespace Delivery.Transforms;

/// <summary>
/// The JSON a Lambda or HTTP transform answers with: one record per input recordId. Delivery reads it with its own
/// decoder, which reports a malformed answer record by record; these types are for transform authors and tests.
/// </summary>
public sealed record FirehoseTransformResponse(
    [property: JsonPropertyName("records")] IReadOnlyList<FirehoseTransformResponseRecord> Records);

/// <summary>One result: <see cref="Data"/> is base64 and required for <see cref="TransformResult.Ok"/>.</summary>
public sealed record FirehoseTransformResponseRecord(
    [property: JsonPropertyName("recordId")] string RecordId,
    [property: JsonPropertyName("result"), JsonConverter(typeof(JsonStringEnumConverter<TransformResult>))] TransformResult Result,
    [property: JsonPropertyName("data")] string? Data,
    [property: JsonPropertyName("metadata")] FirehoseTransformResponseMetadata? Metadata = null);

/// <summary>The <c>metadata</c> of a response record: the keys for <c>!{partitionKeyFromLambda:name}</c>.</summary>
public sealed record FirehoseTransformResponseMetadata(
    [property: JsonPropertyName("partitionKeys")] IReadOnlyDictionary<string, string>? PartitionKeys);
