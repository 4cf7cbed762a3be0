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
    private readonly RentedRecords<int> _sources;
    private readonly int _sourcesStart;

    private BatchPart(DeliveryBatch original, PartitionKeys? keys, IReadOnlyList<ChainRecord> records, DeliveryBatch batch, RentedRecords<int> sources, int sourcesStart)
    {
        _original = original;
        _keys = keys;
        _records = records;
        Batch = batch;
        _sources = sources;
        _sourcesStart = sourcesStart;
    }

    /// <summary>The records as the destination gets them: each keeps its source record's position and metadata.</summary>
    public DeliveryBatch Batch { get; }

    /// <summary>For each record of <see cref="Batch"/>, the index of its source record in the original batch.</summary>
    public ReadOnlySpan<int> SourceIndexes => _sources.AsSpan().Slice(_sourcesStart, _records.Count);

    /// <summary>
    /// The part of <paramref name="records"/> (all of them, or what is left of a part) as a batch derived from
    /// <paramref name="original"/>. The batch's records are its own, as a destination may keep them; where they came
    /// from is on an array <paramref name="run"/> rents, valid until the run gives it back.
    /// </summary>
    public static BatchPart Of(ProcessingRun run, DeliveryBatch original, PartitionKeys? keys, IReadOnlyList<ChainRecord> records) =>
        Of(run, original, [(keys, records)])[0];

    /// <summary>
    /// One part per group, in order. Their records lie in one array, each part's batch a range of it: arrays of their
    /// own per partition (tens of KB, small-object heap) lived through the write and were copied by every collection.
    /// </summary>
    public static List<BatchPart> Of(ProcessingRun run, DeliveryBatch original, IReadOnlyList<(PartitionKeys? Keys, IReadOnlyList<ChainRecord> Records)> groups)
    {
        int total = 0;
        foreach ((PartitionKeys? Keys, IReadOnlyList<ChainRecord> Records) group in groups)
        {
            total += group.Records.Count;
        }

        var converted = new SourceRecord[total];
        RentedRecords<int> sources = run.Rent<int>(total);
        Span<int> indexes = sources.Fill(total);
        IReadOnlyList<SourceRecord> originals = original.Records;
        var parts = new List<BatchPart>(groups.Count);
        int i = 0;
        foreach ((PartitionKeys? Keys, IReadOnlyList<ChainRecord> Records) group in groups)
        {
            int start = i;
            foreach (IReadOnlyList<ChainRecord> part in ChainRecordLists.Parts(group.Records))
            {
                foreach (ref readonly ChainRecord record in ChainRecordLists.Span(part))
                {
                    converted[i] = originals[record.SourceIndex] with { Data = record.Data };
                    indexes[i++] = record.SourceIndex;
                }
            }

            IReadOnlyList<SourceRecord> batchRecords = groups.Count == 1 ? converted : new ArraySegment<SourceRecord>(converted, start, i - start);
            parts.Add(new BatchPart(original, group.Keys, group.Records, original.Derive(batchRecords, group.Keys), sources, start));
        }

        return parts;
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
