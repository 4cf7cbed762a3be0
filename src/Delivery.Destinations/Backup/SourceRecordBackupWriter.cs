namespace Delivery.Destinations.Backup;

/// <summary>
/// Source-record backup (Firehose's S3 backup mode Enabled, or AllData for HTTP endpoints): writes every record of a
/// batch, as read from the source, to the backup bucket, then hands the batch to the destination. A batch's records
/// are its raw source records (<see cref="DeliveryBatch.Records"/>), so what is kept is what came in, before any
/// transformation. The backup object's key comes from the batch id, so a retried batch replaces its backup instead of
/// adding one. When the backup cannot be written this throws and the destination is not called: the pipeline retries
/// the whole batch and the shard does not checkpoint past it.
/// </summary>
public sealed class SourceRecordBackupWriter : IBatchWriter
{
    private readonly IBatchWriter _destination;
    private readonly IBatchWriter _backup;

    /// <param name="destination">The pipeline's destination.</param>
    /// <param name="backup">Writes a batch as one object in the backup bucket (an S3 writer on the backup bucket and prefix).</param>
    public SourceRecordBackupWriter(IBatchWriter destination, IBatchWriter backup)
    {
        _destination = destination ?? throw new ArgumentNullException(nameof(destination));
        _backup = backup ?? throw new ArgumentNullException(nameof(backup));
    }

    public string DestinationType => _destination.DestinationType;

    public async Task<BatchWriteResult> WriteAsync(DeliveryBatch batch, CancellationToken cancellationToken)
    {
        BatchWriteResult backedUp = await _backup.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
        if (!backedUp.AllDelivered)
        {
            // The S3 writer writes all or throws; a partial backup is treated as none, so the batch is tried again.
            throw new DeliveryException(FailureKind.Retryable, backedUp.FailedRecords[0].ErrorCode, "The source-record backup was not written completely: " + backedUp.FailedRecords[0].ErrorMessage);
        }

        return await _destination.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
    }
}
