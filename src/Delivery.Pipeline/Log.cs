using Microsoft.Extensions.Logging;

namespace Delivery.Pipeline;

internal static partial class Log
{
    /// <summary>Puts the shard and batch on every line logged while a batch is delivered (the pipeline is already in scope).</summary>
    public static readonly Func<ILogger, string, string, IDisposable?> BatchScope = LoggerMessage.DefineScope<string, string>("Shard {ShardId} batch {BatchId}");

    [LoggerMessage(EventId = 2001, EventName = "BatchDelivered", Level = LogLevel.Debug,
        Message = "Pipeline {Pipeline} delivered batch {BatchId} of shard {ShardId} ({First}..{Last}, {RecordCount} records, {Bytes} bytes) to {Destination}")]
    public static partial void BatchDelivered(ILogger logger, string pipeline, string batchId, string shardId, ShardPosition first, ShardPosition last, int recordCount, long bytes, string destination);

    // The first failure of a destination after a quiet minute; the ones after it go into DeliveryStillFailing.
    [LoggerMessage(EventId = 2002, EventName = "BatchDeliveryFailed", Level = LogLevel.Error,
        Message = "Pipeline {Pipeline} could not deliver batch {BatchId} of shard {ShardId} to {Destination} (attempt {Attempt}, error {ErrorCode}); retrying in {RetryDelay}, and summarising further failures once a minute")]
    public static partial void BatchDeliveryFailed(ILogger logger, Exception exception, string pipeline, string batchId, string shardId, string destination, int attempt, string errorCode, TimeSpan retryDelay);

    [LoggerMessage(EventId = 2003, EventName = "CheckpointPersistFailed", Level = LogLevel.Warning,
        Message = "Pipeline {Pipeline} could not persist the checkpoint of shard {ShardId}; retrying in {RetryDelay}")]
    public static partial void CheckpointPersistFailed(ILogger logger, Exception exception, string pipeline, string shardId, TimeSpan retryDelay);

    [LoggerMessage(EventId = 2004, EventName = "ShardLeaseLost", Level = LogLevel.Warning,
        Message = "Pipeline {Pipeline} lost the lease of shard {ShardId}: dropped {DroppedRecords} buffered records ({DroppedBytes} bytes) for the next owner to re-read; no further checkpoints for this shard")]
    public static partial void ShardLeaseLost(ILogger logger, string pipeline, string shardId, int droppedRecords, long droppedBytes);

    [LoggerMessage(EventId = 2005, EventName = "ShardCheckpointed", Level = LogLevel.Debug,
        Message = "Pipeline {Pipeline} checkpointed shard {ShardId} at {Checkpoint} with {PendingBatches} batches in flight")]
    public static partial void ShardCheckpointed(ILogger logger, string pipeline, string shardId, ShardPosition? checkpoint, int pendingBatches);

    [LoggerMessage(EventId = 2006, EventName = "ShardDrainLeftRecords", Level = LogLevel.Information,
        Message = "Pipeline {Pipeline} left {RecordCount} records of shard {ShardId} un-checkpointed at drain: they complete a batch planned by a previous owner and will be re-read")]
    public static partial void ShardDrainLeftRecords(ILogger logger, string pipeline, string shardId, int recordCount);

    [LoggerMessage(EventId = 2007, EventName = "ShardSessionOpened", Level = LogLevel.Information,
        Message = "Pipeline {Pipeline} opened shard {ShardId} after checkpoint {Checkpoint} with {PlannedBatches} planned batches to cut again")]
    public static partial void ShardSessionOpened(ILogger logger, string pipeline, string shardId, string checkpoint, int plannedBatches);

    [LoggerMessage(EventId = 2008, EventName = "BatchAbandoned", Level = LogLevel.Error,
        Message = "Pipeline {Pipeline} gave up batch {BatchId} of shard {ShardId} on an unexpected error; the shard's checkpoint stays before it and the shard is read again from it after a backoff")]
    public static partial void BatchAbandoned(ILogger logger, Exception exception, string pipeline, string batchId, string shardId);

    [LoggerMessage(EventId = 2009, EventName = "FailedRecordsBackedUp", Level = LogLevel.Warning,
        Message = "Pipeline {Pipeline} wrote {RecordCount} failed records of batch {BatchId} (shard {ShardId}) to the backup bucket as {ErrorOutputType}; first error {ErrorCode}")]
    public static partial void FailedRecordsBackedUp(ILogger logger, string pipeline, string batchId, string shardId, int recordCount, string errorOutputType, string errorCode);

    [LoggerMessage(EventId = 2010, EventName = "DeliveryStillFailing", Level = LogLevel.Error,
        Message = "Pipeline {Pipeline} still cannot deliver to {Destination}: {Attempts} more failed attempts for {ShardCount} shards since {Since:O}, the last {ErrorCode}: {ErrorMessage}. Retrying; no shard checkpoints past what is not delivered")]
    public static partial void DeliveryStillFailing(ILogger logger, string pipeline, string destination, int attempts, int shardCount, DateTimeOffset since, string errorCode, string errorMessage);

    [LoggerMessage(EventId = 2011, EventName = "DeliveryRecovered", Level = LogLevel.Information,
        Message = "Pipeline {Pipeline} delivers to {Destination} again, after {Attempts} failed attempts since {Since:O} ({Duration})")]
    public static partial void DeliveryRecovered(ILogger logger, string pipeline, string destination, int attempts, DateTimeOffset since, TimeSpan duration);
}
