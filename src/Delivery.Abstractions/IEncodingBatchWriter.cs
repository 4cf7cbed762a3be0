namespace Delivery;

/// <summary>
/// A destination that turns a batch into what it writes (formatted, converted, named) before writing anything, and can
/// be asked to do only that: the records it refuses (a value Parquet cannot hold, a key S3 cannot take) are known before
/// a byte is written. A caller writing several batches made from one, such as the partitions of a transformed batch,
/// encodes them all first, so a record split into parts across them is written whole or not at all.
/// </summary>
public interface IEncodingBatchWriter : IBatchWriter
{
    /// <summary>
    /// Encodes <paramref name="batch"/> without writing it. The same batch always encodes the same way. The caller
    /// disposes the result, written or not.
    /// </summary>
    EncodedBatch Encode(DeliveryBatch batch);
}

/// <summary>A batch an <see cref="IEncodingBatchWriter"/> has encoded and not yet written.</summary>
public abstract class EncodedBatch : IDisposable
{
    protected EncodedBatch(DeliveryBatch batch, IReadOnlyList<FailedRecord> failedRecords)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(failedRecords);
        Batch = batch;
        FailedRecords = failedRecords;
    }

    public DeliveryBatch Batch { get; }

    /// <summary>The records left out, by index into the batch's records; writing delivers every other record.</summary>
    public IReadOnlyList<FailedRecord> FailedRecords { get; }

    /// <summary>
    /// Writes what was encoded, or nothing when every record was left out. Throws, as
    /// <see cref="IBatchWriter.WriteAsync"/> does, when the batch as a whole could not be written; it never refuses
    /// single records.
    /// </summary>
    public abstract Task WriteAsync(CancellationToken cancellationToken);

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what the encoded bytes are held in.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
