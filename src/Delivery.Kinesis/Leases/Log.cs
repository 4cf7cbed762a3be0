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

    [LoggerMessage(EventId = 1109, EventName = "LeaseOfAgedOutShardRemoved", Level = LogLevel.Information,
        Message = "Removed the lease of shard {ShardId}: it is finished and has aged out of stream {StreamName}")]
    public static partial void LeaseOfAgedOutShardRemoved(ILogger logger, string shardId, string streamName);

    [LoggerMessage(EventId = 1110, EventName = "UnreadShardAgedOut", Level = LogLevel.Error,
        Message = "Shard {ShardId} has aged out of stream {StreamName} before it was read to its end (checkpoint {Checkpoint}); its unread records have expired. Its lease is removed so its children are read")]
    public static partial void UnreadShardAgedOut(ILogger logger, string shardId, string streamName, LeaseCheckpoint checkpoint);

    [LoggerMessage(EventId = 1111, EventName = "LeaseHandoffRequested", Level = LogLevel.Information,
        Message = "Worker {WorkerId} asked {Owner} to hand over the lease of shard {ShardId} (target {Target} leases per worker)")]
    public static partial void HandoffRequested(ILogger logger, string workerId, string owner, string shardId, int target);

    [LoggerMessage(EventId = 1112, EventName = "LeaseHandedOver", Level = LogLevel.Information,
        Message = "Worker {WorkerId} handed the lease of shard {ShardId} over to {NewOwner} at checkpoint {Checkpoint}")]
    public static partial void LeaseHandedOver(ILogger logger, string workerId, string shardId, string newOwner, LeaseCheckpoint checkpoint);

    [LoggerMessage(EventId = 1113, EventName = "LeaseRound", Level = LogLevel.Debug,
        Message = "Lease round of worker {WorkerId}: {LeaseCount} leases listed, {Held} held, target {Target}")]
    public static partial void LeaseRound(ILogger logger, string workerId, int leaseCount, int held, int target);
}
