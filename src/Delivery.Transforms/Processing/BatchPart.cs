namespace Delivery.Transforms.Processing;

/// <summary>
/// One object's worth of a processed batch: its records as a batch of their own (a partition, or all of them), and where
/// each came from in the original batch.
/// </summary>
internal sealed class BatchPart
{
    private readonly DeliveryBatch _original;
    private readonly PartitionKeys? _keys;
    private readonly IReadOnlyList<ChainRecord> _records;

    private BatchPart(DeliveryBatch original, PartitionKeys? keys, IReadOnlyList<ChainRecord> records, DeliveryBatch batch, int[] sourceIndexes)
    {
        _original = original;
        _keys = keys;
        _records = records;
        Batch = batch;
        SourceIndexes = sourceIndexes;
    }

    /// <summary>The records as the destination gets them: each keeps its source record's position and metadata.</summary>
    public DeliveryBatch Batch { get; }

    /// <summary>For each record of <see cref="Batch"/>, the index of its source record in the original batch.</summary>
    public int[] SourceIndexes { get; }

    public static BatchPart Of(DeliveryBatch original, PartitionKeys? keys, IReadOnlyList<ChainRecord> records)
    {
        var converted = new SourceRecord[records.Count];
        int[] sources = new int[records.Count];
        for (int i = 0; i < converted.Length; i++)
        {
            ChainRecord record = records[i];
            converted[i] = original.Records[record.SourceIndex] with { Data = record.Data };
            sources[i] = record.SourceIndex;
        }

        return new BatchPart(original, keys, records, original.Derive(converted, keys), sources);
    }

    /// <summary>Whether <paramref name="records"/> holds more than one part of any record of <paramref name="original"/>.</summary>
    public static bool AnySplit(DeliveryBatch original, IReadOnlyList<ChainRecord> records)
    {
        bool[] seen = new bool[original.Records.Count];
        foreach (ChainRecord record in records)
        {
            if (seen[record.SourceIndex])
            {
                return true;
            }

            seen[record.SourceIndex] = true;
        }

        return false;
    }

    /// <summary>This part without the records whose source has failed; null when none is left.</summary>
    public BatchPart? WithoutFailed(ProcessingRun run)
    {
        IReadOnlyList<ChainRecord> kept = run.WithoutFailed(_records);
        return kept.Count == 0 ? null : Of(_original, _keys, kept);
    }

    /// <summary>Fails on <paramref name="run"/> the source records of what the destination refused of <see cref="Batch"/>.</summary>
    public void Fail(ProcessingRun run, IReadOnlyList<FailedRecord> refused)
    {
        foreach (FailedRecord failed in refused)
        {
            run.Fail(failed with { Index = SourceIndexes[failed.Index] });
        }
    }
}
