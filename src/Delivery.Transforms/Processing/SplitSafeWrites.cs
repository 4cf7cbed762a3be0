namespace Delivery.Transforms.Processing;

/// <summary>
/// Writes the parts of a batch that holds split records so that each record is delivered whole or backed up whole. The
/// destination encodes every part before any is written; when it refuses a part of a split record (a Parquet value, a
/// key too long), that record fails, and the parts whose objects hold its other parts are encoded again without them.
/// Only then is anything written.
/// </summary>
/// <remarks>
/// Deciding before writing, rather than writing and then fixing, keeps objects deterministic: what is left out depends on
/// the batch alone, so a batch delivered again (a retry, a new owner after a crash) writes the same objects under the
/// same keys, and no attempt leaves an object behind that another would not write. The cost is that every encoded
/// object of such a batch is held in memory until all are written.
/// </remarks>
internal static class SplitSafeWrites
{
    /// <param name="destination">Encodes and writes each part.</param>
    /// <param name="run">Receives the failures.</param>
    /// <param name="batchParts">The batch's parts, in order.</param>
    /// <param name="options">How many parts are encoded and written at once, and the cancellation token.</param>
    public static async Task WriteAsync(IEncodingBatchWriter destination, ProcessingRun run, IReadOnlyList<BatchPart> batchParts, ParallelOptions options)
    {
        BatchPart?[] parts = [.. batchParts];
        var encoded = new EncodedBatch?[parts.Length];
        try
        {
            // Each round only takes records out, so this ends; in practice after one round, or two when a split record failed.
            List<int> pending = [.. Enumerable.Range(0, parts.Length)];
            while (pending.Count > 0)
            {
                Parallel.ForEach(pending, options, i => encoded[i] = destination.Encode(parts[i]!.Batch));

                // In part order, so the failure a record keeps is the same every time.
                foreach (int i in pending)
                {
                    parts[i]!.Fail(run, encoded[i]!.FailedRecords);
                }

                pending = [.. Enumerable.Range(0, parts.Length).Where(i => parts[i] is { } part && WritesAFailedRecord(part, encoded[i]!, run))];
                foreach (int i in pending)
                {
                    encoded[i]!.Dispose();
                    encoded[i] = null;
                    parts[i] = parts[i]!.WithoutFailed(run);
                }

                pending.RemoveAll(i => parts[i] is null);
            }

            await Parallel.ForEachAsync(Enumerable.Range(0, parts.Length).Where(i => encoded[i] is not null), options,
                async (i, token) => await encoded[i]!.WriteAsync(token).ConfigureAwait(false)).ConfigureAwait(false);
        }
        finally
        {
            foreach (EncodedBatch? batch in encoded)
            {
                batch?.Dispose();
            }
        }
    }

    // Whether the encoded object holds a record whose source failed: a part of a split record refused elsewhere.
    private static bool WritesAFailedRecord(BatchPart part, EncodedBatch encoded, ProcessingRun run)
    {
        HashSet<int>? refused = null;
        for (int i = 0; i < part.SourceIndexes.Length; i++)
        {
            if (run.IsFailed(part.SourceIndexes[i]))
            {
                refused ??= [.. encoded.FailedRecords.Select(failed => failed.Index)];
                if (!refused.Contains(i))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
