using Microsoft.Extensions.Logging;

namespace Delivery.Destinations.Checks;

// No metric beside CheckFailed: the worker exits with code 1 right after it, and the exit is what an orchestrator and
// an alarm on task stops see; a metric would leave with the process before it could be exported.
internal static partial class Log
{
    [LoggerMessage(EventId = 4401, EventName = "DestinationCheckPassed", Level = LogLevel.Information,
        Message = "Pipeline {Pipeline}: {Setting} checked, {Target} can be used")]
    public static partial void CheckPassed(ILogger logger, string pipeline, string setting, string target);

    [LoggerMessage(EventId = 4402, EventName = "DestinationCheckRetrying", Level = LogLevel.Warning,
        Message = "Pipeline {Pipeline}: {Setting}: {Target} cannot be used yet ({Reason}); checking again in {RetryDelay}")]
    public static partial void CheckRetrying(ILogger logger, string pipeline, string setting, string target, string reason, TimeSpan retryDelay);

    [LoggerMessage(EventId = 4403, EventName = "DestinationCheckFailed", Level = LogLevel.Critical,
        Message = "Pipeline {Pipeline}: {Setting}: {Target} cannot be used: {Reason}; the worker does not start")]
    public static partial void CheckFailed(ILogger logger, string pipeline, string setting, string target, string reason);
}
