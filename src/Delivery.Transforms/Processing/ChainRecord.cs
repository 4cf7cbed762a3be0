namespace Delivery.Transforms.Processing;

/// <summary>
/// A record on its way through a pipeline's processors: its current bytes, the keys processors have set so far, and the
/// source record (by index into the batch) it came from. One source record may become several (de-aggregation, CloudWatch
/// Logs extraction, split transforms) or none (dropped).
/// </summary>
/// <param name="SourceIndex">Index into <see cref="DeliveryBatch.Records"/> of the record this one came from.</param>
/// <param name="Data">The bytes as the previous processor left them.</param>
/// <param name="KeysFromTransform">Keys a transform returned, for <c>!{partitionKeyFromLambda:name}</c>; null when none.</param>
/// <param name="KeysFromQuery">Keys the metadata-extraction query found, for <c>!{partitionKeyFromQuery:name}</c>; null when none.</param>
public readonly record struct ChainRecord(
    int SourceIndex,
    ReadOnlyMemory<byte> Data,
    IReadOnlyDictionary<string, string>? KeysFromTransform = null,
    IReadOnlyDictionary<string, string>? KeysFromQuery = null);
