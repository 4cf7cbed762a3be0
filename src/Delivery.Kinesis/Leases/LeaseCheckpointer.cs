namespace Delivery.Kinesis.Leases;

/// <summary>The pipeline's view of one held lease: checkpoints go to the lease table, conditional on ownership.</summary>
internal sealed class LeaseCheckpointer(ILeaseStore store, Lease lease, string owner) : IShardCheckpointer
{
    public Task PersistAsync(ShardPosition? checkpoint, IReadOnlyList<PlannedBatch> pendingBatches, CancellationToken cancellationToken)
    {
        // Until something is delivered the lease keeps the sentinel it started with (TRIM_HORIZON, LATEST, ...).
        LeaseCheckpoint value = checkpoint is { } position ? LeaseCheckpoint.FromPosition(position) : lease.Checkpoint;
        return store.UpdateCheckpointAsync(lease.LeaseKey, owner, value, pendingBatches, cancellationToken);
    }
}
