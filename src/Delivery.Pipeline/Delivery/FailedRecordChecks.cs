namespace Delivery.Pipeline.Delivery;

/// <summary>
/// Guards the acknowledgement against a writer that misreports its failures: an index outside the batch or listed twice
/// would back up the wrong record or count one twice, and the checkpoint would then pass a record nobody holds.
/// </summary>
internal static class FailedRecordChecks
{
    public static void EnsureValid(DeliveryBatch batch, IReadOnlyList<FailedRecord> failed, string destinationType)
    {
        var seen = new HashSet<int>();
        foreach (FailedRecord record in failed)
        {
            if (record.Index < 0 || record.Index >= batch.Records.Count)
            {
                throw new InvalidOperationException(
                    $"The {destinationType} writer reported record index {record.Index} as failed, but batch {batch.Id} has {batch.Records.Count} records.");
            }

            if (!seen.Add(record.Index))
            {
                throw new InvalidOperationException(
                    $"The {destinationType} writer reported record index {record.Index} of batch {batch.Id} as failed twice.");
            }

            if (string.IsNullOrEmpty(record.ErrorOutputType) || string.IsNullOrEmpty(record.ErrorCode))
            {
                throw new InvalidOperationException(
                    $"The {destinationType} writer reported record index {record.Index} of batch {batch.Id} as failed without an error output type and code.");
            }
        }
    }
}
