using Microsoft.Extensions.Logging;

namespace Delivery.Worker.Health;

internal static partial class Log
{
    [LoggerMessage(EventId = 3101, EventName = "HealthListening", Level = LogLevel.Information,
        Message = "Health endpoints listening on {Address} (/health/live, /health/ready, /status; dashboard at /)")]
    public static partial void HealthListening(ILogger logger, Uri address);

    [LoggerMessage(EventId = 3102, EventName = "HealthRequestFailed", Level = LogLevel.Error,
        Message = "Answering {Path} failed")]
    public static partial void HealthRequestFailed(ILogger logger, Exception exception, string path);
}
