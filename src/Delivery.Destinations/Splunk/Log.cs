using Delivery.Destinations.Retrying;
using Microsoft.Extensions.Logging;

namespace Delivery.Destinations.Splunk;

// The URL in these messages has no query or user info, and no message carries the HEC token: HEC's answers are quoted,
// never the request's headers.
internal static partial class Log
{
    [LoggerMessage(EventId = 4601, EventName = "SplunkRequestDelivered", Level = LogLevel.Debug,
        Message = "Delivered a request of batch {BatchId} to {Url}: {RecordCount} records, {BodyBytes} bytes, {Attempts} attempt(s), acknowledged as ackId {AckId} after {ElapsedMilliseconds:F1} ms")]
    public static partial void RequestDelivered(ILogger logger, string url, string batchId, int recordCount, long bodyBytes, int attempts, long ackId, double elapsedMilliseconds);

    [LoggerMessage(EventId = 4602, EventName = "SplunkAttemptFailed", Level = LogLevel.Warning,
        Message = "A request to {Url} failed ({Status}): {ErrorCode}: {ErrorMessage}")]
    public static partial void AttemptFailed(ILogger logger, string url, AttemptStatus status, string errorCode, string errorMessage);

    [LoggerMessage(EventId = 4603, EventName = "SplunkRequestGivenUp", Level = LogLevel.Error,
        Message = "Gave up on a request of batch {BatchId} to {Url} after {Attempts} attempt(s) ({Status}); its {RecordCount} records go to the backup bucket: {ErrorCode}: {ErrorMessage}")]
    public static partial void RequestGivenUp(ILogger logger, string url, string batchId, int recordCount, int attempts, AttemptStatus status, string errorCode, string errorMessage);

    [LoggerMessage(EventId = 4604, EventName = "SplunkEventRefused", Level = LogLevel.Warning,
        Message = "HEC at {Url} refused an event of record {RecordIndex} of batch {BatchId}; the record goes to the backup bucket and the request's {RemainingCount} other records are sent again: {ErrorCode}: {ErrorMessage}")]
    public static partial void EventRefused(ILogger logger, string url, string batchId, int recordIndex, int remainingCount, string errorCode, string errorMessage);

    [LoggerMessage(EventId = 4605, EventName = "SplunkRecordRefused", Level = LogLevel.Warning,
        Message = "Record {RecordIndex} of batch {BatchId} cannot be an HEC event and goes to the backup bucket: {Problem}")]
    public static partial void RecordRefused(ILogger logger, string batchId, int recordIndex, string problem);
}
