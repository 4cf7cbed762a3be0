using Microsoft.Extensions.Logging;

namespace Delivery.Worker.Telemetry;

internal static partial class Log
{
    [LoggerMessage(EventId = 3201, EventName = "TelemetryStarted", Level = LogLevel.Information,
        Message = "Metrics export started: EMF every {EmfIntervalSeconds} s (0: off), OTLP to {OtlpEndpoint}")]
    public static partial void TelemetryStarted(ILogger logger, int emfIntervalSeconds, string otlpEndpoint);
}
