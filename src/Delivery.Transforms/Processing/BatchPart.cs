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
    private readonly RentedRecords<int> _sourceIndexes;

    private BatchPart(DeliveryBatch original, PartitionKeys? keys, IReadOnlyList<ChainRecord> records, DeliveryBatch batch, RentedRecords<int> sourceIndexes)
    {
        _original = original;
        _keys = keys;
        _records = records;
        Batch = batch;
        _sourceIndexes = sourceIndexes;
    }

    /// <summary>The records as the destination gets them: each keeps its source record's position and metadata.</summary>
    public DeliveryBatch Batch { get; }

    /// <summary>For each record of <see cref="Batch"/>, the index of its source record in the original batch.</summary>
    public ReadOnlySpan<int> SourceIndexes => _sourceIndexes.AsSpan();

    /// <summary>
    /// The part of <paramref name="records"/> (a partition, or all of them) as a batch derived from <paramref name="original"/>.
    /// The batch's records are its own, as a destination may keep them; where they came from is on an array
    /// <paramref name="run"/> rents, valid until the run gives it back.
    /// </summary>
    public static BatchPart Of(ProcessingRun run, DeliveryBatch original, PartitionKeys? keys, IReadOnlyList<ChainRecord> records)
    {
        var converted = new SourceRecord[records.Count];
        RentedRecords<int> sources = run.Rent<int>(records.Count);
        IReadOnlyList<SourceRecord> originals = original.Records;
        int i = 0;
        foreach (IReadOnlyList<ChainRecord> part in ChainRecordLists.Parts(records))
        {
            foreach (ref readonly ChainRecord record in ChainRecordLists.Span(part))
            {
                converted[i++] = originals[record.SourceIndex] with { Data = record.Data };
                sources.Add(record.SourceIndex);
            }
        }

        return new BatchPart(original, keys, records, original.Derive(converted, keys), sources);
    }

    /// <summary>Whether <paramref name="records"/> holds more than one part of any record of <paramref name="original"/>.</summary>
    public static bool AnySplit(DeliveryBatch original, IReadOnlyList<ChainRecord> records)
    {
        bool[] seen = System.Buffers.ArrayPool<bool>.Shared.Rent(original.Records.Count);
        try
        {
            Array.Clear(seen, 0, original.Records.Count);
            foreach (IReadOnlyList<ChainRecord> part in ChainRecordLists.Parts(records))
            {
                foreach (ref readonly ChainRecord record in ChainRecordLists.Span(part))
                {
                    if (seen[record.SourceIndex])
                    {
                        return true;
                    }

                    seen[record.SourceIndex] = true;
                }
            }

            return false;
        }
        finally
        {
            System.Buffers.ArrayPool<bool>.Shared.Return(seen);
        }
    }

    /// <summary>This part without the records whose source has failed; null when none is left.</summary>
    public BatchPart? WithoutFailed(ProcessingRun run)
    {
        IReadOnlyList<ChainRecord> kept = run.WithoutFailed(_records);
        return kept.Count == 0 ? null : Of(run, _original, _keys, kept);
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
