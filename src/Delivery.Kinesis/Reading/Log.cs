using Microsoft.Extensions.Logging;

namespace Delivery.Kinesis.Reading;

internal static partial class Log
{
    /// <summary>Puts the shard on every line logged while a shard is read, drained and released.</summary>
    public static readonly Func<ILogger, string, IDisposable?> ShardScope = LoggerMessage.DefineScope<string>("Shard {ShardId}");

    [LoggerMessage(EventId = 1201, EventName = "IteratorExpired", Level = LogLevel.Information,
        Message = "Shard iterator of {ShardId} expired; re-opening at {LastRead}")]
    public static partial void IteratorExpired(ILogger logger, string shardId, ShardPosition? lastRead);

    [LoggerMessage(EventId = 1202, EventName = "ShardReadFailed", Level = LogLevel.Warning,
        Message = "Reading shard {ShardId} failed with {ErrorCode}; backing off {Backoff}")]
    public static partial void ReadFailed(ILogger logger, Exception exception, string shardId, string errorCode, TimeSpan backoff);

    [LoggerMessage(EventId = 1203, EventName = "ShardConsumerFailed", Level = LogLevel.Critical,
        Message = "Shard {ShardId} of stream {StreamName} stopped with a permanent error")]
    public static partial void ConsumerFailed(ILogger logger, Exception exception, string shardId, string streamName);

    [LoggerMessage(EventId = 1204, EventName = "ShardDrainIncomplete", Level = LogLevel.Warning,
        Message = "Shard {ShardId} did not finish delivering within the grace period; undelivered records stay un-checkpointed and will be read again")]
    public static partial void DrainIncomplete(ILogger logger, string shardId);

    [LoggerMessage(EventId = 1205, EventName = "ChildLeasesDeferred", Level = LogLevel.Warning,
        Message = "Could not create the child leases of closed shard {ShardId} now; the next shard sync will")]
    public static partial void ChildLeasesDeferred(ILogger logger, Exception exception, string shardId);

    [LoggerMessage(EventId = 1206, EventName = "ShardConsumerRestarting", Level = LogLevel.Error,
        Message = "Shard {ShardId} stopped on an error that may pass; its lease is taken up again next round")]
    public static partial void ConsumerRestarting(ILogger logger, Exception exception, string shardId);

    [LoggerMessage(EventId = 1207, EventName = "ShardReadingStarted", Level = LogLevel.Debug,
        Message = "Worker {WorkerId} starts reading shard {ShardId} (lease tenure {Tenure})")]
    public static partial void ReadingStarted(ILogger logger, string workerId, string shardId, long tenure);

    [LoggerMessage(EventId = 1208, EventName = "ShardReadingStopped", Level = LogLevel.Debug,
        Message = "Worker {WorkerId} stopped reading shard {ShardId} (lease tenure {Tenure})")]
    public static partial void ReadingStopped(ILogger logger, string workerId, string shardId, long tenure);

    [LoggerMessage(EventId = 1210, EventName = "ShardPositionAgedOut", Level = LogLevel.Error,
        Message = "Shard {ShardId} of stream {StreamName}: position {Position} is no longer in the stream; the records between it and the trim horizon aged out of the stream's retention before they were delivered. Reading goes on at the trim horizon")]
    public static partial void PositionAgedOut(ILogger logger, Exception exception, string shardId, string streamName, ShardPosition position);

    [LoggerMessage(EventId = 1211, EventName = "ShardFailed", Level = LogLevel.Error,
        Message = "Shard {ShardId} of stream {StreamName} stopped with {ErrorCode} (failure {Failures} in a row); this worker tries it again in {RetryIn}, its other shards go on")]
    public static partial void ShardFailed(ILogger logger, Exception exception, string shardId, string streamName, string errorCode, int failures, TimeSpan retryIn);

    [LoggerMessage(EventId = 1209, EventName = "AggregateNotDeaggregated", Level = LogLevel.Warning,
        Message = "Record {SequenceNumber} of shard {ShardId} starts like a KPL aggregate but {Reason}; it is delivered as one plain record")]
    public static partial void AggregateNotDeaggregated(ILogger logger, string shardId, string sequenceNumber, string reason);
}
