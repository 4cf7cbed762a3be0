using Delivery.Plans;
using Microsoft.Extensions.Logging;

namespace Delivery.Kinesis.Plans;

internal static partial class Log
{
    [LoggerMessage(EventId = 1401, EventName = "PlanTableCreated", Level = LogLevel.Information, Message = "Created plan table {TableName}")]
    public static partial void PlanTableCreated(ILogger logger, string tableName);

    [LoggerMessage(EventId = 1402, EventName = "PlanExpiryNotEnabled", Level = LogLevel.Warning,
        Message = "Could not turn on TTL (expiresAt) for plan table {TableName} ({ErrorCode}); plans are kept until the table's TTL is set")]
    public static partial void PlanExpiryNotEnabled(ILogger logger, Exception exception, string tableName, string errorCode);

    [LoggerMessage(EventId = 1403, EventName = "PlanCommitLost", Level = LogLevel.Information,
        Message = "Plan {PlanId} was aborted before it could be committed; its pieces are delivered shard by shard")]
    public static partial void PlanCommitLost(ILogger logger, string planId);

    [LoggerMessage(EventId = 1404, EventName = "PlanAbortLost", Level = LogLevel.Information,
        Message = "Plan {PlanId} could not be aborted: it is {State} already, and is completed instead")]
    public static partial void PlanAbortLost(ILogger logger, string planId, PlanState state);

    [LoggerMessage(EventId = 1405, EventName = "PlanRangeTrimmed", Level = LogLevel.Warning,
        Message = "Range {First}..{Last} of shard {ShardId} in stream {StreamName} is no longer all in the stream (trimmed); reading what is left from {FoundFirst}")]
    public static partial void RangeTrimmed(ILogger logger, string streamName, string shardId, ShardPosition first, ShardPosition last, ShardPosition foundFirst);

    [LoggerMessage(EventId = 1406, EventName = "PlanRangeReadFailed", Level = LogLevel.Warning,
        Message = "Reading range of shard {ShardId} failed with {ErrorCode}; backing off {Backoff}")]
    public static partial void RangeReadFailed(ILogger logger, Exception exception, string shardId, string errorCode, TimeSpan backoff);
}
