namespace Delivery.Transforms.Processing;

/// <summary>A stage that handles each record on its own, synchronously: the built-in processors.</summary>
public abstract class RecordStage : IProcessingStage
{
    public abstract string Name { get; }

    /// <summary>The code a record fails with when processing it throws; <see cref="TransformErrorCodes.UnexpectedError"/> unless the stage has its own.</summary>
    protected virtual string UnexpectedErrorCode => TransformErrorCodes.UnexpectedError;

    /// <summary>The error output type of a record whose processing threw.</summary>
    protected virtual string UnexpectedErrorOutputType => ErrorOutputTypes.ProcessingFailed;

    public ValueTask<IReadOnlyList<ChainRecord>> ProcessAsync(ProcessingRun run, IReadOnlyList<ChainRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(records);
        var output = new List<ChainRecord>(records.Count);
        foreach (ChainRecord record in records)
        {
            int before = output.Count;
            try
            {
                Process(run, record, output);
            }
#pragma warning disable CA1031 // One record's failure is that record's: whatever it makes a stage throw (input .NET cannot read, a bug) fails it alone, never the batch.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                output.RemoveRange(before, output.Count - before);
                run.Fail(record.SourceIndex, UnexpectedErrorCode, $"{Name} could not process the record: {ex.GetType().Name}: {ex.Message.TrimEnd('.')}.", UnexpectedErrorOutputType);
            }
        }

        return ValueTask.FromResult<IReadOnlyList<ChainRecord>>(output);
    }

    /// <summary>Adds what <paramref name="record"/> becomes to <paramref name="output"/>, or reports it failed on <paramref name="run"/>.</summary>
    protected abstract void Process(ProcessingRun run, in ChainRecord record, List<ChainRecord> output);
}
