namespace Delivery.Benchmarks.EndToEnd;

/// <summary>
/// The backup destination of a benchmark pipeline. Nothing should fail in a benchmark, so it only counts what it is
/// given and the run refuses its figures when the count is not zero.
/// </summary>
public sealed class CountingBackupWriter : IBackupWriter
{
    private long _records;

    public long Records => Interlocked.Read(ref _records);

    public Task WriteFailedAsync(DeliveryBatch batch, string errorOutputType, IReadOnlyList<FailedRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        Interlocked.Add(ref _records, records.Count);
        return Task.CompletedTask;
    }
}
