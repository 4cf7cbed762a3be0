using Microsoft.Extensions.Logging;

namespace Delivery.Transforms.Contract;

internal static partial class Log
{
    [LoggerMessage(EventId = 6001, EventName = "TransformInvocationRetrying", Level = LogLevel.Warning,
        Message = "{Transform} invocation {InvocationId} ({RecordCount} records) failed with {ErrorCode} on attempt {Attempt} of {Attempts}; retrying in {RetryDelay}")]
    public static partial void InvocationRetrying(ILogger logger, Exception exception, string transform, string invocationId, int recordCount, string errorCode, int attempt, int attempts, TimeSpan retryDelay);

    [LoggerMessage(EventId = 6002, EventName = "TransformInvocationFailed", Level = LogLevel.Error,
        Message = "{Transform} invocation {InvocationId} failed with {ErrorCode} after {Attempts} attempts; its {RecordCount} records go to the backup bucket")]
    public static partial void InvocationFailed(ILogger logger, Exception? exception, string transform, string invocationId, int recordCount, string errorCode, int attempts);

    [LoggerMessage(EventId = 6003, EventName = "TransformUnknownRecordIds", Level = LogLevel.Warning,
        Message = "{Transform} invocation {InvocationId} returned {Count} results for recordIds it was not sent; they are ignored")]
    public static partial void UnknownRecordIds(ILogger logger, string transform, string invocationId, int count);
}
