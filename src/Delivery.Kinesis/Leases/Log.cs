using Microsoft.Extensions.Logging;

namespace Delivery.Kinesis.Leases;

internal static partial class Log
{
    [LoggerMessage(EventId = 1101, EventName = "LeaseTableCreated", Level = LogLevel.Information, Message = "Created lease table {TableName}")]
    public static partial void LeaseTableCreated(ILogger logger, string tableName);

    [LoggerMessage(EventId = 1102, EventName = "LeaseTaken", Level = LogLevel.Information,
        Message = "Worker {WorkerId} took the lease of shard {ShardId} (previous owner {PreviousOwner}, checkpoint {Checkpoint})")]
    public static partial void LeaseTaken(ILogger logger, string workerId, string shardId, string previousOwner, LeaseCheckpoint checkpoint);

    [LoggerMessage(EventId = 1103, EventName = "LeaseLost", Level = LogLevel.Warning,
        Message = "Worker {WorkerId} lost the lease of shard {ShardId}; the shard is stopped")]
    public static partial void LeaseLost(ILogger logger, string workerId, string shardId);

    [LoggerMessage(EventId = 1104, EventName = "LeaseReleased", Level = LogLevel.Information,
        Message = "Worker {WorkerId} released the lease of shard {ShardId} at checkpoint {Checkpoint}")]
    public static partial void LeaseReleased(ILogger logger, string workerId, string shardId, LeaseCheckpoint checkpoint);

    [LoggerMessage(EventId = 1105, EventName = "LeaseCreated", Level = LogLevel.Information,
        Message = "Created the lease of shard {ShardId} starting at {Checkpoint}")]
    public static partial void LeaseCreated(ILogger logger, string shardId, LeaseCheckpoint checkpoint);

    [LoggerMessage(EventId = 1106, EventName = "LeaseRoundFailed", Level = LogLevel.Warning,
        Message = "Lease round of worker {WorkerId} on stream {StreamName} failed; trying again next round")]
    public static partial void LeaseRoundFailed(ILogger logger, Exception exception, string workerId, string streamName);

    [LoggerMessage(EventId = 1107, EventName = "ShardEnded", Level = LogLevel.Information,
        Message = "Shard {ShardId} is closed and fully delivered; checkpointed SHARD_END, children {ChildShardIds}")]
    public static partial void ShardEnded(ILogger logger, string shardId, string childShardIds);

    [LoggerMessage(EventId = 1108, EventName = "LeaseReleaseFailed", Level = LogLevel.Warning,
        Message = "Worker {WorkerId} could not release the lease of shard {ShardId}; it will expire instead")]
    public static partial void LeaseReleaseFailed(ILogger logger, Exception exception, string workerId, string shardId);
}
