namespace Delivery.Kinesis.Leases;

/// <summary>
/// One shard's lease as stored in the lease table. Attribute names follow the Kinesis Client Library's lease table
/// (see <see cref="LeaseAttributes"/>), so existing tooling can read it.
/// </summary>
public sealed record Lease
{
    public required string LeaseKey { get; init; }

    /// <summary>The worker holding the lease, or null when it is free.</summary>
    public string? Owner { get; init; }

    /// <summary>Bumped by every renewal, take and release: the optimistic lock, and how others see that a holder is alive.</summary>
    public long Counter { get; init; }

    public LeaseCheckpoint Checkpoint { get; init; } = LeaseCheckpoint.TrimHorizon;

    public long OwnerSwitchesSinceCheckpoint { get; init; }

    public IReadOnlyList<string> ParentShardIds { get; init; } = [];

    public IReadOnlyList<string> ChildShardIds { get; init; } = [];

    public string? StartingHashKey { get; init; }

    public string? EndingHashKey { get; init; }

    /// <summary>
    /// Batches cut after the checkpoint and planned for delivery, in shard order (Delivery's extension of the KCL item).
    /// A new owner cuts its first batches at exactly these ranges.
    /// </summary>
    public IReadOnlyList<PlannedBatch> PendingBatches { get; init; } = [];

    /// <summary>
    /// For a shard that started at LATEST or AT_TIMESTAMP: the first record read, recorded before it was handed on, so
    /// that a new owner after a crash starts there rather than at a LATEST that has moved on (Delivery's extension).
    /// </summary>
    public string? StartingSequenceNumber { get; init; }

    /// <summary>
    /// For a shard that started at LATEST and has had no record read yet: a time shortly before it was first opened
    /// (Delivery's extension). A new owner opens the shard AT_TIMESTAMP there instead of at a LATEST that has moved on,
    /// so records put while an idle shard changes hands are not skipped.
    /// </summary>
    public DateTimeOffset? StartingTimestamp { get; init; }

    /// <summary>
    /// Identifies the current tenure: the counter value written by the take that started it (Delivery's extension).
    /// Writes made on behalf of a tenure (checkpoints, release, handoff) are conditional on it as well as on the owner,
    /// so a late write from an earlier tenure, even one of the same worker, can never land.
    /// </summary>
    public long Tenure { get; init; }

    /// <summary>
    /// A worker that asked the owner to hand this lease over (balancing), or null (Delivery's extension). The owner
    /// stops reading, delivers and checkpoints, and then makes the requester the owner.
    /// </summary>
    public string? PendingOwner { get; init; }

    public bool IsFree => Owner is null;

    public bool IsShardEnded => Checkpoint.IsShardEnd;
}
