namespace Delivery;

/// <summary>
/// The backup bucket: where records that could not be delivered go, with their original bytes and the error, so that
/// nothing is ever silently lost. The pipeline calls it after a writer reports failed records, retries it until it
/// succeeds, and only then lets the shard's checkpoint pass the batch.
/// </summary>
public interface IBackupWriter
{
    /// <summary>
    /// Writes <paramref name="records"/> of <paramref name="batch"/>, all of one <paramref name="errorOutputType"/>, as
    /// one object in the failed-record format. The object's key is derived from the batch and the type, so writing the
    /// same failures again replaces the object. Throws (any exception) when it could not be written; the caller retries.
    /// </summary>
    Task WriteFailedAsync(DeliveryBatch batch, string errorOutputType, IReadOnlyList<FailedRecord> records, CancellationToken cancellationToken);
}
