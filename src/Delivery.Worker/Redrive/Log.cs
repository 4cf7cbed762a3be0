using Microsoft.Extensions.Logging;

namespace Delivery.Worker.Redrive;

internal static partial class Log
{
    [LoggerMessage(EventId = 3301, EventName = "RedriveObjectDone", Level = LogLevel.Information,
        Message = "Redrove s3://{Bucket}/{Key} ({ErrorOutputType}) as batch {BatchId}: {Delivered} delivered, {FailedAgain} failed again")]
    public static partial void ObjectDone(ILogger logger, string bucket, string key, string errorOutputType, string batchId, int delivered, int failedAgain);

    [LoggerMessage(EventId = 3302, EventName = "RedriveObjectLeft", Level = LogLevel.Warning,
        Message = "Could not redrive s3://{Bucket}/{Key}; it stays unmarked for the next run")]
    public static partial void ObjectLeft(ILogger logger, Exception exception, string bucket, string key);
}
