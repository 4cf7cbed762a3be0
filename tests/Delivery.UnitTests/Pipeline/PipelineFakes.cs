using System.Collections.Concurrent;
using System.Text;

namespace Delivery.UnitTests.Pipeline;

/// <summary>A destination that records every batch and can be told to block or to fail.</summary>
internal sealed class RecordingBatchWriter : IBatchWriter
{
    private readonly ConcurrentQueue<DeliveryBatch> _delivered = new();
    private TaskCompletionSource _gate = CompletedGate();
    private readonly TaskCompletionSource _selectiveGate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _failuresToThrow;

    public string DestinationType => "fake";

    public IReadOnlyCollection<DeliveryBatch> Delivered => _delivered;

    public int Attempts;

    /// <summary>Batches that reached the destination, including those whose write never returned.</summary>
    public ConcurrentQueue<DeliveryBatch> Written { get; } = new();

    /// <summary>When set, a write stores the batch and then never returns: a crash after the object was written.</summary>
    public bool HangAfterWriting { get; set; }

    public void Block() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Unblock()
    {
        _gate.TrySetResult();
        _selectiveGate.TrySetResult();
    }

    public void FailNext(int times) => _failuresToThrow = times;

    /// <summary>The next write throws this (for example a client timeout, which .NET reports as a cancellation).</summary>
    public Exception? ThrowOnce
    {
        get => _throwOnce;
        set => _throwOnce = value;
    }

    private Exception? _throwOnce;

    /// <summary>When set, says which records of each written batch the destination reports as failed.</summary>
    public Func<DeliveryBatch, IReadOnlyList<FailedRecord>>? FailRecords { get; set; }

    /// <summary>When set, what each write reports of its partitions (as the processing stage does with dynamic partitioning).</summary>
    public Func<DeliveryBatch, PartitionSizes>? ReportPartitions { get; set; }

    /// <summary>Batches this matches wait until <see cref="Unblock"/> (or cancellation); the others are written at once.</summary>
    public Func<DeliveryBatch, bool>? BlockWhere { get; set; }

    public async Task<BatchWriteResult> WriteAsync(DeliveryBatch batch, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Attempts);
        if (BlockWhere is { } blocked && blocked(batch))
        {
            await _selectiveGate.Task.WaitAsync(cancellationToken);
        }

        await _gate.Task.WaitAsync(cancellationToken);
        if (Interlocked.Exchange(ref _throwOnce, null) is { } once)
        {
            throw once;
        }

        if (Interlocked.Decrement(ref _failuresToThrow) >= 0)
        {
            throw new DeliveryException(FailureKind.Retryable, "Fake.Unavailable", "destination unavailable");
        }

        // A destination keeps what it wrote, not the pipeline's batch: that goes back to its pages once acknowledged.
        batch = batch.Snapshot();
        Written.Enqueue(batch);
        if (HangAfterWriting)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        _delivered.Enqueue(batch);
        var result = new BatchWriteResult(FailRecords is { } fail ? fail(batch) : []);
        return ReportPartitions is { } report ? new BatchWriteResult(result.FailedRecords) { Partitions = report(batch) } : result;
    }

    private static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource();
        gate.SetResult();
        return gate;
    }
}

/// <summary>A backup bucket that records what it is given and can be told to fail.</summary>
internal sealed class RecordingBackupWriter : IBackupWriter
{
    private int _failuresToThrow;

    public ConcurrentQueue<(DeliveryBatch Batch, string ErrorOutputType, FailedRecord[] Records)> Written { get; } = new();

    public int Attempts;

    public void FailNext(int times) => _failuresToThrow = times;

    public Task WriteFailedAsync(DeliveryBatch batch, string errorOutputType, IReadOnlyList<FailedRecord> records, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Attempts);
        if (Interlocked.Decrement(ref _failuresToThrow) >= 0)
        {
            throw new DeliveryException(FailureKind.Retryable, "Fake.BackupUnavailable", "backup bucket unavailable");
        }

        Written.Enqueue((batch.Snapshot(), errorOutputType, records.ToArray()));
        return Task.CompletedTask;
    }
}

/// <summary>A lease-side checkpointer that records every write and can simulate a lost lease.</summary>
internal sealed class RecordingCheckpointer : IShardCheckpointer
{
    private readonly ConcurrentQueue<(ShardPosition? Checkpoint, IReadOnlyList<PlannedBatch> Pending)> _writes = new();

    public IReadOnlyCollection<(ShardPosition? Checkpoint, IReadOnlyList<PlannedBatch> Pending)> Writes => _writes;

    public bool LeaseLost { get; set; }

    public ShardPosition? LastCheckpoint => _writes.LastOrDefault().Checkpoint;

    public Task PersistAsync(ShardPosition? checkpoint, IReadOnlyList<PlannedBatch> pendingBatches, CancellationToken cancellationToken)
    {
        if (LeaseLost)
        {
            throw new LeaseLostException("lost in test");
        }

        _writes.Enqueue((checkpoint, pendingBatches.ToArray()));
        return Task.CompletedTask;
    }
}

internal static class Records
{
    public static readonly DateTimeOffset Arrival = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    /// <summary>Records numbered from <paramref name="first"/>, each <paramref name="size"/> bytes, as one page.</summary>
    public static RecordPage Page(string shardId, int first, int count, int size = 10)
    {
        var records = new SourceRecord[count];
        for (int i = 0; i < count; i++)
        {
            int n = first + i;
            byte[] data = Encoding.UTF8.GetBytes(n.ToString("D", System.Globalization.CultureInfo.InvariantCulture).PadLeft(size, '0'));
            records[i] = new SourceRecord(Position(n), "pk", Arrival, data);
        }

        return new RecordPage(shardId, records, 0);
    }

    public static ShardPosition Position(int n) => new((1000 + n).ToString(System.Globalization.CultureInfo.InvariantCulture));
}

internal static class BatchSnapshots
{
    /// <summary>
    /// A copy of the batch on the heap, with the same id, source and partition: what a destination that keeps the
    /// records beyond the write (a test double) must keep, since the batch's pages are returned once it is done.
    /// </summary>
    public static DeliveryBatch Snapshot(this DeliveryBatch batch) =>
        batch.Derive([.. batch.Records.Select(record => record.Snapshot())], batch.Partition);

    /// <summary>A copy of the record on the heap.</summary>
    public static SourceRecord Snapshot(this SourceRecord record) =>
        new(record.Position, record.PartitionKey, record.ApproximateArrivalTimestamp, record.Data.ToArray());
}
