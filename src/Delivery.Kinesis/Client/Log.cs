using Microsoft.Extensions.Logging;

namespace Delivery.Kinesis.Client;

internal static partial class Log
{
    [LoggerMessage(EventId = 1301, EventName = "KinesisThrottled", Level = LogLevel.Debug,
        Message = "Kinesis {Operation} was throttled ({ErrorCode}) on attempt {Attempt}; retrying in {Delay}")]
    public static partial void Throttled(ILogger logger, string operation, string errorCode, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 1302, EventName = "KinesisCallRetried", Level = LogLevel.Warning,
        Message = "Kinesis {Operation} failed ({ErrorCode}) on attempt {Attempt}; retrying in {Delay}")]
    public static partial void Retrying(ILogger logger, string operation, string errorCode, int attempt, TimeSpan delay, Exception exception);
}
