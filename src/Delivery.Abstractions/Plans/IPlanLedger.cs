namespace Delivery.Plans;

/// <summary>Where a plan stands in the ledger.</summary>
public enum PlanState
{
    /// <summary>No item: the plan was never committed, and nobody has aborted it yet.</summary>
    Absent,

    /// <summary>Every piece was fenced in its lease and the plan committed: its object must be written, by anyone.</summary>
    Committed,

    /// <summary>The object (every partition's object) is written and its failed records backed up.</summary>
    Written,

    /// <summary>The plan can never be committed: each piece is cut as a batch of its range alone.</summary>
    Aborted,
}

/// <summary>A plan as the ledger holds it. <see cref="Ranges"/> is empty for an absent or aborted plan.</summary>
public sealed record PlanEntry(string PlanId, PlanState State, IReadOnlyList<BatchSource> Ranges);

/// <summary>
/// The ledger of worker-scope plans (decision 0014). Commit and abort are both puts conditional on the item not
/// existing, so for each plan exactly one of them ever succeeds.
/// </summary>
public interface IPlanLedger
{
    /// <summary>
    /// Commits <paramref name="plan"/> unless an item exists. Returns what the ledger holds afterwards: the committed (or
    /// already written) plan, or an aborted one when a tombstone won.
    /// </summary>
    Task<PlanEntry> CommitAsync(BatchPlan plan, CancellationToken cancellationToken);

    /// <summary>
    /// Puts a tombstone unless an item exists. Returns what the ledger holds afterwards: aborted, or the committed or
    /// written plan when its commit won.
    /// </summary>
    Task<PlanEntry> AbortAsync(string planId, CancellationToken cancellationToken);

    /// <summary>What the ledger holds for <paramref name="planId"/>; <see cref="PlanState.Absent"/> when nothing.</summary>
    Task<PlanEntry> GetAsync(string planId, CancellationToken cancellationToken);

    /// <summary>Marks a committed plan written. Idempotent; throws when the plan is not committed.</summary>
    Task MarkWrittenAsync(string planId, CancellationToken cancellationToken);
}

/// <summary>
/// Reads the records of one shard range again without holding the shard's lease (reading needs none): how a worker
/// completes a committed plan whose other shards it does not hold.
/// </summary>
public interface IShardRangeReader
{
    /// <summary>
    /// The records from <see cref="BatchSource.First"/> to <see cref="BatchSource.Last"/> inclusive, in pages in shard
    /// order; each page is the caller's to release. Records trimmed from the stream are simply not there.
    /// </summary>
    IAsyncEnumerable<RecordPage> ReadAsync(BatchSource range, CancellationToken cancellationToken);
}

/// <summary>What a pipeline needs to deliver and resolve worker-scope plans: the ledger and a lease-free range reader.</summary>
public sealed record PlanServices(IPlanLedger Ledger, IShardRangeReader RangeReader);
