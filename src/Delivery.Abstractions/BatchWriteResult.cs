namespace Delivery;

/// <summary>What a writer did with a batch: every record it did not deliver is listed with the reason.</summary>
public sealed class BatchWriteResult
{
    public static BatchWriteResult Delivered { get; } = new([]);

    public BatchWriteResult(IReadOnlyList<FailedRecord> failedRecords)
    {
        FailedRecords = failedRecords;
    }

    public IReadOnlyList<FailedRecord> FailedRecords { get; }

    public bool AllDelivered => FailedRecords.Count == 0;
}

/// <summary>A record a destination could not deliver, by its index in the batch.</summary>
/// <param name="Index">Index into <see cref="DeliveryBatch.Records"/>.</param>
/// <param name="ErrorCode">A Firehose-style error code such as "S3.AccessDenied".</param>
/// <param name="ErrorMessage">What went wrong, for a person.</param>
public readonly record struct FailedRecord(int Index, string ErrorCode, string ErrorMessage);
