namespace Delivery.Destinations.Requests;

/// <summary>
/// Cuts a batch into the requests a destination sends, in order, each within a record count and a data size. The cut
/// depends on the records alone, so a batch delivered again is cut the same way.
/// </summary>
/// <remarks>
/// Records a processor split from one source record share its position. They go into one request unless they alone
/// exceed a request, so a request given up (whose records are backed up whole) never holds part of a record whose
/// other parts another request delivered.
/// </remarks>
public static class RequestSlices
{
    /// <summary>The slices as (index of the first record, record count).</summary>
    /// <param name="batch">The batch to cut.</param>
    /// <param name="maxRecords">Most records in one request; at least 1.</param>
    /// <param name="maxDataBytes">Most record data bytes in one request; a single larger record still makes a request of its own.</param>
    public static List<(int Start, int Count)> Of(DeliveryBatch batch, int maxRecords, long maxDataBytes)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecords, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDataBytes, 1);
        IReadOnlyList<SourceRecord> records = batch.Records;
        var slices = new List<(int, int)>(1);
        int start = 0;
        long bytes = 0;
        for (int i = 0; i < records.Count; i++)
        {
            int length = records[i].Data.Length;
            if (i > start && (i - start == maxRecords || bytes + length > maxDataBytes))
            {
                int cut = i;
                while (cut > start && records[cut - 1].Position == records[cut].Position)
                {
                    cut--;
                }

                cut = cut == start ? i : cut;
                slices.Add((start, cut - start));
                start = cut;
                bytes = 0;
                for (int moved = cut; moved < i; moved++)
                {
                    bytes += records[moved].Data.Length;
                }
            }

            bytes += length;
        }

        slices.Add((start, records.Count - start));
        return slices;
    }
}
