using Delivery.Destinations.Retrying;
using Microsoft.Extensions.Logging;

namespace Delivery.Destinations.OpenSearch;

// The URL in these messages has no user info or query; no message carries a password or a signature.
internal static partial class Log
{
    [LoggerMessage(EventId = 4501, EventName = "OpenSearchRequestDone", Level = LogLevel.Debug,
        Message = "Bulk request {Request} of batch {BatchId} to {Url}: {Indexed} of {Documents} documents indexed, {BodyBytes} bytes, {Attempts} attempt(s), {ElapsedMilliseconds:F1} ms")]
    public static partial void RequestDone(ILogger logger, int request, string batchId, string url, int indexed, int documents, long bodyBytes, int attempts, double elapsedMilliseconds);

    [LoggerMessage(EventId = 4502, EventName = "OpenSearchAttemptFailed", Level = LogLevel.Warning,
        Message = "Bulk request of {Documents} documents of batch {BatchId} to {Url} failed ({Status}): {ErrorCode}: {ErrorMessage}")]
    public static partial void AttemptFailed(ILogger logger, string url, string batchId, int documents, AttemptStatus status, string errorCode, string errorMessage);

    [LoggerMessage(EventId = 4503, EventName = "OpenSearchDocumentsRetrying", Level = LogLevel.Warning,
        Message = "{Retrying} of {Documents} documents were refused for now by {Url} and are sent again: {ErrorCode}: {ErrorMessage}")]
    public static partial void DocumentsRetrying(ILogger logger, int retrying, int documents, string url, string errorCode, string errorMessage);

    [LoggerMessage(EventId = 4504, EventName = "OpenSearchDocumentsGivenUp", Level = LogLevel.Error,
        Message = "Gave up on {Count} of {Documents} documents of bulk request {Request} of batch {BatchId} to {Url} after {Attempts} attempt(s); they go to the backup bucket. The first: {ErrorCode}: {ErrorMessage}")]
    public static partial void DocumentsGivenUp(ILogger logger, int count, int documents, int request, string batchId, string url, int attempts, string errorCode, string errorMessage);

    [LoggerMessage(EventId = 4505, EventName = "OpenSearchCheckAnswered", Level = LogLevel.Debug,
        Message = "The start-up check of {Url} was answered with status {Status}")]
    public static partial void CheckAnswered(ILogger logger, string url, int status);
}
