namespace Delivery.Kinesis.Leases;

/// <summary>The pipeline's view of one held lease: checkpoints go to the lease table, conditional on its tenure.</summary>
internal sealed class LeaseCheckpointer(ILeaseStore store, Lease held) : IShardCheckpointer
{
    public Task PersistAsync(ShardPosition? checkpoint, IReadOnlyList<PlannedBatch> pendingBatches, CancellationToken cancellationToken)
    {
        // Until something is delivered the lease keeps the sentinel it started with (TRIM_HORIZON, LATEST, ...).
        LeaseCheckpoint value = checkpoint is { } position ? LeaseCheckpoint.FromPosition(position) : held.Checkpoint;
        return store.UpdateCheckpointAsync(held, value, pendingBatches, cancellationToken);
    }
}
