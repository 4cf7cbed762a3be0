namespace Delivery.Transforms.Processing;

/// <summary>A stage that handles each record on its own, synchronously: the built-in processors.</summary>
public abstract class RecordStage : IProcessingStage
{
    public abstract string Name { get; }

    public ValueTask<IReadOnlyList<ChainRecord>> ProcessAsync(ProcessingRun run, IReadOnlyList<ChainRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(records);
        var output = new List<ChainRecord>(records.Count);
        foreach (ChainRecord record in records)
        {
            Process(run, record, output);
        }

        return ValueTask.FromResult<IReadOnlyList<ChainRecord>>(output);
    }

    /// <summary>Adds what <paramref name="record"/> becomes to <paramref name="output"/>, or reports it failed on <paramref name="run"/>.</summary>
    protected abstract void Process(ProcessingRun run, in ChainRecord record, List<ChainRecord> output);
}
