using Microsoft.Extensions.Logging;

namespace Delivery.Destinations.Backup;

internal static partial class Log
{
    [LoggerMessage(EventId = 4101, EventName = "BackupWritten", Level = LogLevel.Information,
        Message = "Wrote {RecordCount} failed records ({ErrorOutputType}) to s3://{Bucket}/{Key}")]
    public static partial void BackupWritten(ILogger logger, string bucket, string key, int recordCount, string errorOutputType);

    // Debug, as S3WriteFailed: the pipeline retries the write and logs a failing backup bucket at a bounded rate.
    [LoggerMessage(EventId = 4102, EventName = "BackupWriteFailed", Level = LogLevel.Debug,
        Message = "Could not write {RecordCount} failed records to s3://{Bucket}/{Key} ({ErrorCode}); the shard holds its checkpoint until they are written")]
    public static partial void BackupWriteFailed(ILogger logger, string bucket, string key, int recordCount, string errorCode, Exception exception);
}
