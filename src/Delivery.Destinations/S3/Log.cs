using Microsoft.Extensions.Logging;

namespace Delivery.Destinations.S3;

internal static partial class Log
{
    // Debug: one line per object; at a few objects a second this is noise at Information, and the counts belong in metrics.
    [LoggerMessage(EventId = 4001, EventName = "S3ObjectWritten", Level = LogLevel.Debug,
        Message = "Wrote s3://{Bucket}/{Key}: {ObjectBytes} bytes, {RecordCount} records, {PartCount} part(s) in {ElapsedMilliseconds:F1} ms")]
    public static partial void ObjectWritten(ILogger logger, string bucket, string key, long objectBytes, int recordCount, int partCount, double elapsedMilliseconds);

    // Debug: one line per failed call. The pipeline logs a failing bucket at a bounded rate, with this exception's
    // message (operation, bucket, key, S3 code); at Warning, every retry of every batch would log here again.
    [LoggerMessage(EventId = 4002, EventName = "S3WriteFailed", Level = LogLevel.Debug,
        Message = "Writing s3://{Bucket}/{Key} ({RecordCount} records) failed in {Operation}: {ErrorCode}, {FailureKind}")]
    public static partial void WriteFailed(ILogger logger, string bucket, string key, int recordCount, string operation, string errorCode, FailureKind failureKind, Exception exception);

    [LoggerMessage(EventId = 4003, EventName = "S3MultipartAbortFailed", Level = LogLevel.Warning,
        Message = "Could not abort multipart upload {UploadId} of s3://{Bucket}/{Key}; its parts stay until a lifecycle rule for incomplete uploads removes them")]
    public static partial void MultipartAbortFailed(ILogger logger, string bucket, string key, string uploadId, Exception exception);

    [LoggerMessage(EventId = 4004, EventName = "S3RecordsNotConverted", Level = LogLevel.Warning,
        Message = "{FailedCount} of {RecordCount} records of {Key} could not be converted and go to the backup bucket; the first, at {Position}: {Reason}")]
    public static partial void RecordsNotConverted(ILogger logger, int failedCount, int recordCount, string key, string position, string reason);

    [LoggerMessage(EventId = 4005, EventName = "S3ProbeNotDeleted", Level = LogLevel.Warning,
        Message = "The start-up write check could not delete its empty object s3://{Bucket}/{Key} ({ErrorCode}); it stays there. Grant s3:DeleteObject on that key to have it removed")]
    public static partial void ProbeNotDeleted(ILogger logger, string bucket, string key, string errorCode, Exception exception);
}
