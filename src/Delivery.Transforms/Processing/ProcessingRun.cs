namespace Delivery.Transforms.Processing;

/// <summary>
/// One batch going through the processors: the batch (its source records hold the original bytes and positions) and the
/// failures found so far. A source record fails whole: once any record derived from it fails, the chain stops carrying
/// its other parts, so a record is either delivered in full or backed up in full, never both in part.
/// </summary>
/// <remarks>Thread-safe: a transform's invocations of one batch run concurrently and report failures here.</remarks>
public sealed class ProcessingRun
{
    private readonly FailedRecord?[] _failures;
    private readonly Lock _gate = new();
    private List<IRentedArray>? _rented;
    private int _failedCount;

    public ProcessingRun(DeliveryBatch batch, TransformEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(environment);
        Batch = batch;
        Environment = environment;
        _failures = new FailedRecord?[batch.Records.Count];
    }

    public DeliveryBatch Batch { get; }

    public TransformEnvironment Environment { get; }

    public int FailedCount
    {
        get
        {
            lock (_gate)
            {
                return _failedCount;
            }
        }
    }

    public bool IsFailed(int sourceIndex)
    {
        // Nearly always: no lock per record of a batch that has no failure.
        if (Volatile.Read(ref _failedCount) == 0)
        {
            return false;
        }

        lock (_gate)
        {
            return _failures[sourceIndex] is not null;
        }
    }

    /// <summary>Fails the source record; the first failure reported for a record is the one that is kept.</summary>
    public void Fail(int sourceIndex, string errorCode, string errorMessage, string errorOutputType, int attemptsMade = 1, string? lambdaArn = null) =>
        Fail(new FailedRecord(sourceIndex, errorCode, errorMessage, errorOutputType, attemptsMade, lambdaArn));

    /// <summary>Fails the source record <see cref="FailedRecord.Index"/> with everything the failure says; the first one reported is kept.</summary>
    public void Fail(FailedRecord failure)
    {
        lock (_gate)
        {
            if (_failures[failure.Index] is null)
            {
                _failures[failure.Index] = failure;
                _failedCount++;
            }
        }
    }

    /// <summary>Every failure, by source index.</summary>
    public List<FailedRecord> Failures()
    {
        lock (_gate)
        {
            var failures = new List<FailedRecord>(_failedCount);
            foreach (FailedRecord? failure in _failures)
            {
                if (failure is { } value)
                {
                    failures.Add(value);
                }
            }

            return failures;
        }
    }

    /// <summary>An empty list on a pooled array, given back by <see cref="ReturnRented"/>.</summary>
    internal RentedRecords<T> Rent<T>(int capacity)
    {
        var rented = new RentedRecords<T>(capacity);
        lock (_gate)
        {
            (_rented ??= []).Add(rented);
        }

        return rented;
    }

    /// <summary>
    /// Gives back the arrays the run's lists were made on: called once the batch's records (the chain's output and the
    /// parts made of it) are no longer read. A run that is never given back leaves its arrays to the GC.
    /// </summary>
    public void ReturnRented()
    {
        List<IRentedArray>? rented;
        lock (_gate)
        {
            rented = _rented;
            _rented = null;
        }

        foreach (IRentedArray array in rented ?? [])
        {
            array.Return();
        }
    }

    /// <summary>The records whose source has not failed, in order.</summary>
    public IReadOnlyList<ChainRecord> WithoutFailed(IReadOnlyList<ChainRecord> records)
    {
        lock (_gate)
        {
            if (_failedCount == 0)
            {
                return records;
            }

            var kept = new List<ChainRecord>(records.Count);
            foreach (ChainRecord record in records)
            {
                if (_failures[record.SourceIndex] is null)
                {
                    kept.Add(record);
                }
            }

            return kept;
        }
    }
}
