using Delivery.Destinations.Retrying;
using Microsoft.Extensions.Logging;

namespace Delivery.Destinations.Http;

// The URL in these messages has no query or user info, and no message carries the access key.
internal static partial class Log
{
    [LoggerMessage(EventId = 4201, EventName = "HttpRequestDelivered", Level = LogLevel.Debug,
        Message = "Delivered request {RequestId} of batch {BatchId} to {Url}: {RecordCount} records, {BodyBytes} bytes, {Attempts} attempt(s), {ElapsedMilliseconds:F1} ms")]
    public static partial void RequestDelivered(ILogger logger, string url, string requestId, string batchId, int recordCount, long bodyBytes, int attempts, double elapsedMilliseconds);

    [LoggerMessage(EventId = 4202, EventName = "HttpAttemptFailed", Level = LogLevel.Warning,
        Message = "Request {RequestId} to {Url} failed ({Status}): {ErrorCode}: {ErrorMessage}")]
    public static partial void AttemptFailed(ILogger logger, string url, string requestId, AttemptStatus status, string errorCode, string errorMessage);

    [LoggerMessage(EventId = 4203, EventName = "HttpRequestGivenUp", Level = LogLevel.Error,
        Message = "Gave up on request {RequestId} of batch {BatchId} to {Url} after {Attempts} attempt(s) ({Status}); its {RecordCount} records go to the backup bucket: {ErrorCode}: {ErrorMessage}")]
    public static partial void RequestGivenUp(ILogger logger, string url, string requestId, string batchId, int recordCount, int attempts, AttemptStatus status, string errorCode, string errorMessage);
}
