namespace Delivery;

/// <summary>
/// The lease-side view of one shard that the pipeline needs: persisting the shard's delivery progress, conditional on
/// the lease still being ours. Implemented by the source (lease store); the pipeline knows nothing of DynamoDB.
/// </summary>
public interface IShardCheckpointer
{
    /// <summary>
    /// Persists the checkpoint (highest position with everything at or before it delivered, or null while nothing is)
    /// and the planned ranges of batches cut after it that are in flight, in order, so a new owner can cut the same
    /// batches again. Throws <see cref="LeaseLostException"/> when the lease is no longer ours.
    /// </summary>
    Task PersistAsync(ShardPosition? checkpoint, IReadOnlyList<PlannedBatch> pendingBatches, CancellationToken cancellationToken);
}

/// <summary>
/// The planned source range of a batch that was cut but is not yet checkpointed. With worker-scope buffering the range
/// is a piece of a plan that spans shards (<paramref name="PlanId"/>, decision 0014); a next owner resolves it through
/// the plan ledger instead of cutting it again.
/// </summary>
/// <param name="First">The range's first record.</param>
/// <param name="Last">The range's last record.</param>
/// <param name="PlanId">The plan this range is a piece of; null for a batch of this range alone.</param>
/// <param name="Done">
/// Set in the lease when the piece's plan is written: a next owner skips the range without asking the ledger. Not part
/// of the piece's identity.
/// </param>
public readonly record struct PlannedBatch(ShardPosition First, ShardPosition Last, string? PlanId = null, bool Done = false)
{
    /// <summary>The piece without its <see cref="Done"/> mark: what identifies it while it is in flight.</summary>
    public PlannedBatch Identity => this with { Done = false };
}

/// <summary>The lease for a shard is held by another worker now; this worker must stop the shard and never checkpoint it.</summary>
public sealed class LeaseLostException : Exception
{
    public LeaseLostException()
        : this("The lease is no longer held by this worker.")
    {
    }

    public LeaseLostException(string message)
        : base(message)
    {
    }

    public LeaseLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
