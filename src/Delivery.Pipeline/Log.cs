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

    [LoggerMessage(EventId = 2012, EventName = "PlanDelivered", Level = LogLevel.Debug,
        Message = "Pipeline {Pipeline} delivered plan {PlanId} ({ShardCount} shards, {RecordCount} records, {Bytes} bytes) to {Destination}")]
    public static partial void PlanDelivered(ILogger logger, string pipeline, string planId, int shardCount, int recordCount, long bytes, string destination);

    [LoggerMessage(EventId = 2013, EventName = "PlanAborted", Level = LogLevel.Warning,
        Message = "Pipeline {Pipeline} aborted plan {PlanId} of {ShardCount} shards: a lease changed hands before it was committed; each remaining shard's records are written as an object of their own")]
    public static partial void PlanAborted(ILogger logger, string pipeline, string planId, int shardCount);

    [LoggerMessage(EventId = 2014, EventName = "PlanAbandoned", Level = LogLevel.Error,
        Message = "Pipeline {Pipeline} could not deliver plan {PlanId} of {ShardCount} shards; its shards start again from their leases")]
    public static partial void PlanAbandoned(ILogger logger, Exception exception, string pipeline, string planId, int shardCount);

    [LoggerMessage(EventId = 2015, EventName = "PlanResolvedAbsent", Level = LogLevel.Information,
        Message = "Pipeline {Pipeline}: plan {PlanId} named in a lease was never committed; the ledger now says {State}")]
    public static partial void PlanResolvedAbsent(ILogger logger, string pipeline, string planId, global::Delivery.Plans.PlanState state);

    [LoggerMessage(EventId = 2016, EventName = "PlanCompleted", Level = LogLevel.Information,
        Message = "Pipeline {Pipeline} completed plan {PlanId} that a previous owner committed ({ShardCount} shards, {RecordCount} records read again)")]
    public static partial void PlanCompleted(ILogger logger, string pipeline, string planId, int shardCount, int recordCount);

    [LoggerMessage(EventId = 2017, EventName = "PlanRecordsTrimmed", Level = LogLevel.Warning,
        Message = "Pipeline {Pipeline}: every record of committed plan {PlanId} is gone from the stream (retention); marked written with nothing to write")]
    public static partial void PlanRecordsTrimmed(ILogger logger, string pipeline, string planId);

    [LoggerMessage(EventId = 2018, EventName = "PlanLookupFailed", Level = LogLevel.Warning,
        Message = "Pipeline {Pipeline} could not look up plan {PlanId} named in the lease of shard {ShardId}; retrying in {RetryDelay}")]
    public static partial void PlanLookupFailed(ILogger logger, Exception exception, string pipeline, string shardId, string planId, TimeSpan retryDelay);

    [LoggerMessage(EventId = 2019, EventName = "PlansResolved", Level = LogLevel.Information,
        Message = "Pipeline {Pipeline}, shard {ShardId}: resolved {PlanCount} plans named in the lease, {CommittedCount} of them to complete")]
    public static partial void PlansResolved(ILogger logger, string pipeline, string shardId, int planCount, int committedCount);
}
