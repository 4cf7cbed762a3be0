namespace Delivery;

/// <summary>
/// A destination. It writes one batch and reports the outcome; buffering, retrying the batch, concurrency and
/// acknowledgement belong to the pipeline.
/// </summary>
public interface IBatchWriter
{
    /// <summary>A short name for logs and metrics, such as "s3".</summary>
    string DestinationType { get; }

    /// <summary>
    /// Writes the whole batch. Returns normally when every record is delivered or reported in
    /// <see cref="BatchWriteResult.FailedRecords"/>; throws <see cref="DeliveryException"/> (or any exception) when the
    /// batch as a whole could not be written, in which case the pipeline retries it.
    /// </summary>
    Task<BatchWriteResult> WriteAsync(DeliveryBatch batch, CancellationToken cancellationToken);
}
