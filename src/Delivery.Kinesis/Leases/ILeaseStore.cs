namespace Delivery.Kinesis.Leases;

/// <summary>
/// The lease table. Every change is conditional, so two workers never both hold a shard for longer than one lease
/// duration, and a worker that lost a lease can no longer write its checkpoint.
/// </summary>
public interface ILeaseStore
{
    /// <summary>Creates the table when allowed and missing, and waits until it is usable; fails clearly otherwise.</summary>
    Task EnsureTableAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<Lease>> ListLeasesAsync(CancellationToken cancellationToken);

    Task<Lease?> GetLeaseAsync(string leaseKey, CancellationToken cancellationToken);

    /// <summary>Creates the lease unless one with its key exists. Returns false when it existed.</summary>
    Task<bool> CreateLeaseIfNotExistsAsync(Lease lease, CancellationToken cancellationToken);

    /// <summary>
    /// Takes a lease as it was last seen (same counter and owner): sets the owner and bumps the counter. Returns the
    /// lease as now stored, or null when somebody changed it first.
    /// </summary>
    Task<Lease?> TryTakeLeaseAsync(Lease seen, string owner, CancellationToken cancellationToken);

    /// <summary>Bumps the counter of a lease still held by its owner at the same counter. Returns null when it is lost.</summary>
    Task<Lease?> TryRenewLeaseAsync(Lease held, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the checkpoint and the planned batches, only if <paramref name="owner"/> still holds the lease. Throws
    /// <see cref="LeaseLostException"/> otherwise.
    /// </summary>
    Task UpdateCheckpointAsync(string leaseKey, string owner, LeaseCheckpoint checkpoint, IReadOnlyList<PlannedBatch> pendingBatches, CancellationToken cancellationToken);

    /// <summary>Records where a shard that started at LATEST or AT_TIMESTAMP began to be read (owner-conditional).</summary>
    Task UpdateStartingSequenceNumberAsync(string leaseKey, string owner, string sequenceNumber, CancellationToken cancellationToken);

    /// <summary>Records the children of a closed shard on its lease (owner-conditional, like a checkpoint).</summary>
    Task UpdateChildShardsAsync(string leaseKey, string owner, IReadOnlyList<string> childShardIds, CancellationToken cancellationToken);

    /// <summary>Gives a lease up (clears the owner) so another worker can take it at once. False when it was not ours.</summary>
    Task<bool> ReleaseLeaseAsync(Lease held, CancellationToken cancellationToken);
}
