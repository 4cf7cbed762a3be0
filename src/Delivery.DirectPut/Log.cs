using Microsoft.Extensions.Logging;

namespace Delivery.DirectPut;

internal static partial class Log
{
    [LoggerMessage(EventId = 5001, EventName = "DirectPutListening", Level = LogLevel.Information,
        Message = "Direct PUT (the Firehose API) listening on {Address} for {DeliveryStreams}; authentication {Mode}")]
    public static partial void Listening(ILogger logger, Uri address, string deliveryStreams, string mode);

    [LoggerMessage(EventId = 5002, EventName = "DirectPutUnauthenticated", Level = LogLevel.Warning,
        Message = "Direct PUT accepts requests without authentication (Delivery:DirectPut:Authentication:Mode is None): anyone who reaches {Address} can put records")]
    public static partial void Unauthenticated(ILogger logger, Uri address);

    [LoggerMessage(EventId = 5003, EventName = "DirectPutKinesisPutFailed", Level = LogLevel.Warning,
        Message = "Direct PUT to {DeliveryStream}: Kinesis stream {StreamName} refused a call of {RecordCount} records ({ErrorCode}); the producer is told to put them again")]
    public static partial void KinesisPutFailed(ILogger logger, Exception exception, string deliveryStream, string streamName, int recordCount, string errorCode);

    [LoggerMessage(EventId = 5004, EventName = "DirectPutRequestRefused", Level = LogLevel.Information,
        Message = "Direct PUT refused a request from {Remote}: {ErrorType}: {Message}")]
    public static partial void RequestRefused(ILogger logger, string remote, string errorType, string message);

    [LoggerMessage(EventId = 5005, EventName = "DirectPutRequestFailed", Level = LogLevel.Error,
        Message = "Direct PUT could not answer a {Operation} request; it was answered with ServiceUnavailableException")]
    public static partial void RequestFailed(ILogger logger, Exception exception, string operation);

    [LoggerMessage(EventId = 5006, EventName = "DirectPutStopped", Level = LogLevel.Information,
        Message = "Direct PUT stopped listening on {Address}")]
    public static partial void Stopped(ILogger logger, Uri address);
}
