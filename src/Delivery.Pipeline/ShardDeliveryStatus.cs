namespace Delivery.Pipeline;

/// <summary>What one shard session holds at a moment, for the status page.</summary>
/// <param name="ShardId">The shard.</param>
/// <param name="Checkpoint">The highest position delivered with everything before it (not necessarily persisted yet).</param>
/// <param name="BufferedRecords">Records read and not yet cut into a batch.</param>
/// <param name="BufferedBytes">Their bytes.</param>
/// <param name="InFlightBatches">Batches cut and not yet completed (being written or retried).</param>
/// <param name="Stopped">True once the session stopped (lease lost or closing).</param>
public sealed record ShardDeliveryStatus(string ShardId, ShardPosition? Checkpoint, int BufferedRecords, long BufferedBytes, int InFlightBatches, bool Stopped);
