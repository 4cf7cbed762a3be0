using Delivery.Destinations.Retrying;
using Microsoft.Extensions.Logging;

namespace Delivery.Destinations.Redshift;

// Messages name host, database and table; never the connection string or the COPY text (it may hold access keys).
internal static partial class Log
{
    [LoggerMessage(EventId = 4301, EventName = "RedshiftBatchLoaded", Level = LogLevel.Debug,
        Message = "Loaded batch {BatchId} into {Target}: {RecordCount} records, {Attempts} attempt(s), {ElapsedMilliseconds:F1} ms")]
    public static partial void BatchLoaded(ILogger logger, string batchId, string target, int recordCount, int attempts, double elapsedMilliseconds);

    [LoggerMessage(EventId = 4302, EventName = "RedshiftLoadAttemptFailed", Level = LogLevel.Warning,
        Message = "Loading batch {BatchId} into {Target} failed ({Status}): {ErrorCode}: {ErrorMessage}")]
    public static partial void LoadAttemptFailed(ILogger logger, string batchId, string target, AttemptStatus status, string errorCode, string errorMessage);

    [LoggerMessage(EventId = 4303, EventName = "RedshiftLoadGivenUp", Level = LogLevel.Error,
        Message = "Gave up loading batch {BatchId} into {Target} after {Attempts} attempt(s) ({Status}): {ErrorCode}: {ErrorMessage}. Its manifest is at {ErrorManifest} and its records go to the backup bucket")]
    public static partial void LoadGivenUp(ILogger logger, string batchId, string target, int attempts, AttemptStatus status, string errorCode, string errorMessage, string errorManifest);
}
