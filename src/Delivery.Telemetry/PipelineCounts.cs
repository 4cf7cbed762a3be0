namespace Delivery.Telemetry;

/// <summary>
/// Running totals of one pipeline on this worker since it started: what the status page and the <c>status</c> verb show
/// beside the metrics, which a backend sums over time and over the fleet instead.
/// </summary>
/// <param name="IncomingRecords">Records that entered the pipeline.</param>
/// <param name="IncomingBytes">Their bytes.</param>
/// <param name="DeliveredRecords">Records the destination took.</param>
/// <param name="DeliveredBytes">Their bytes.</param>
/// <param name="BackedUpRecords">Records that could not be delivered (or transformed, or converted) and were written to the backup bucket instead.</param>
/// <param name="FailedAttempts">Write attempts the destination failed (each retry counts), and batches it refused whole.</param>
/// <param name="FailedBackupAttempts">Write attempts the backup bucket failed.</param>
public readonly record struct PipelineCounts(
    long IncomingRecords,
    long IncomingBytes,
    long DeliveredRecords,
    long DeliveredBytes,
    long BackedUpRecords,
    long FailedAttempts,
    long FailedBackupAttempts);
