namespace Delivery.Transforms.Processing;

/// <summary>
/// A pipeline's processors in their configured order. Each batch runs through all of them; what comes out is delivered,
/// and each source record that failed anywhere is reported once, with the first error, for the backup bucket. A stage
/// that throws (other than for cancellation) fails the records it was given, so a bug costs records their delivery,
/// not the shard its progress.
/// </summary>
public sealed class ProcessingChain : IAsyncDisposable
{
    private readonly IProcessingStage[] _stages;
    private int _disposed;

    public ProcessingChain(IEnumerable<IProcessingStage> stages, TransformEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(stages);
        ArgumentNullException.ThrowIfNull(environment);
        _stages = [.. stages];
        Environment = environment;
    }

    public TransformEnvironment Environment { get; }

    public IReadOnlyList<IProcessingStage> Stages => _stages;

    /// <summary>Runs <paramref name="batch"/> through every stage.</summary>
    public async Task<ProcessingOutcome> RunAsync(DeliveryBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var run = new ProcessingRun(batch, Environment);
        IReadOnlyList<SourceRecord> sources = batch.Records;
        RentedRecords<ChainRecord> initial = run.Rent<ChainRecord>(sources.Count);
        for (int i = 0; i < sources.Count; i++)
        {
            initial.Add(new ChainRecord(i, sources[i].Data));
        }

        IReadOnlyList<ChainRecord> records = initial;
        foreach (IProcessingStage stage in _stages)
        {
            if (records.Count == 0)
            {
                break;
            }

            try
            {
                records = await stage.ProcessAsync(run, records, cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A stage fails records, never the batch: one that throws has a bug, and retrying the batch would hit it for ever.
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                foreach (ChainRecord record in records)
                {
                    run.Fail(record.SourceIndex, TransformErrorCodes.UnexpectedError, $"{stage.Name} failed: {ex.GetType().Name}: {ex.Message.TrimEnd('.')}.", ErrorOutputTypes.ProcessingFailed);
                }

                records = [];
            }

            // A part of a split record that failed here takes its siblings from earlier stages with it.
            records = run.WithoutFailed(records);
        }

        return new ProcessingOutcome(run, records);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        foreach (IProcessingStage stage in _stages)
        {
            switch (stage)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }
}

/// <summary>What came out of a batch's processing: the records to deliver, in order, and the run with its failures.</summary>
public sealed record ProcessingOutcome(ProcessingRun Run, IReadOnlyList<ChainRecord> Records);
