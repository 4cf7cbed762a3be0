namespace Delivery.Kinesis.Leases;

/// <summary>
/// The lease table. Every change is conditional, so two workers never both hold a shard for longer than one lease
/// duration, and a worker that lost a lease can no longer write its checkpoint.
/// </summary>
/// <remarks>
/// A "held" lease is the one returned by <see cref="TryTakeLeaseAsync"/> (or a later renewal of it): writes made on its
/// behalf are conditional on its <see cref="Lease.Owner"/> and <see cref="Lease.Tenure"/>, so they fail once the lease
/// has been taken by anyone since, the same worker included.
/// </remarks>
public interface ILeaseStore
{
    /// <summary>Creates the table when allowed and missing, and waits until it is usable; fails clearly otherwise.</summary>
    Task EnsureTableAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Every lease in the table. The view may be slightly stale (an eventually consistent read): every decision taken on
    /// it is a write conditional on what was seen, which fails when the view was out of date.
    /// </summary>
    Task<IReadOnlyList<Lease>> ListLeasesAsync(CancellationToken cancellationToken);

    Task<Lease?> GetLeaseAsync(string leaseKey, CancellationToken cancellationToken);

    /// <summary>Creates the lease unless one with its key exists. Returns false when it existed.</summary>
    Task<bool> CreateLeaseIfNotExistsAsync(Lease lease, CancellationToken cancellationToken);

    /// <summary>
    /// Takes a lease as it was last seen (same counter and owner): sets the owner, bumps the counter, starts a new
    /// tenure and clears any handoff request. Returns the lease as now stored, or null when somebody changed it first.
    /// </summary>
    Task<Lease?> TryTakeLeaseAsync(Lease seen, string owner, CancellationToken cancellationToken);

    /// <summary>Bumps the counter of a lease still held by its owner at the same counter. Returns null when it is lost.</summary>
    Task<Lease?> TryRenewLeaseAsync(Lease held, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the checkpoint and the planned batches, only while <paramref name="held"/>'s tenure lasts. Throws
    /// <see cref="LeaseLostException"/> otherwise.
    /// </summary>
    Task UpdateCheckpointAsync(Lease held, LeaseCheckpoint checkpoint, IReadOnlyList<PlannedBatch> pendingBatches, CancellationToken cancellationToken);

    /// <summary>Records where a shard that started at LATEST or AT_TIMESTAMP began to be read (tenure-conditional).</summary>
    Task UpdateStartingSequenceNumberAsync(Lease held, string sequenceNumber, CancellationToken cancellationToken);

    /// <summary>Records when a shard that starts at LATEST was first opened, less a margin (tenure-conditional).</summary>
    Task UpdateStartingTimestampAsync(Lease held, DateTimeOffset timestamp, CancellationToken cancellationToken);

    /// <summary>Records the children of a closed shard on its lease (tenure-conditional, like a checkpoint).</summary>
    Task UpdateChildShardsAsync(Lease held, IReadOnlyList<string> childShardIds, CancellationToken cancellationToken);

    /// <summary>
    /// Gives a lease up (clears the owner and any handoff request) so another worker can take it at once. False when the
    /// tenure was already over.
    /// </summary>
    Task<bool> ReleaseLeaseAsync(Lease held, CancellationToken cancellationToken);

    /// <summary>
    /// Asks the owner of a lease, as last seen (same owner and counter), to hand it over to <paramref name="requester"/>.
    /// The counter is not bumped, so the owner's renewals go on. False when the lease changed meanwhile or another
    /// request is pending.
    /// </summary>
    Task<bool> RequestHandoffAsync(Lease seen, string requester, CancellationToken cancellationToken);

    /// <summary>
    /// Withdraws <paramref name="requester"/>'s handoff request on a lease (a worker that stops), conditional on the
    /// request still being its own. False when there was none.
    /// </summary>
    Task<bool> WithdrawHandoffAsync(string leaseKey, string requester, CancellationToken cancellationToken);

    /// <summary>
    /// Completes a handoff: makes <paramref name="newOwner"/>, which asked for it, the owner and bumps the counter. The
    /// new owner starts its own tenure with a take. False when the tenure was over or the request is gone.
    /// </summary>
    Task<bool> HandOffLeaseAsync(Lease held, string newOwner, CancellationToken cancellationToken);

    /// <summary>Deletes a lease as last seen (same counter). False when it changed meanwhile.</summary>
    Task<bool> DeleteLeaseAsync(Lease seen, CancellationToken cancellationToken);
}
