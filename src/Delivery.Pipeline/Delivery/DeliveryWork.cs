namespace Delivery.Pipeline;

/// <summary>
/// A cut batch on the pipeline's delivery queue, with the sessions to acknowledge it to: one for a shard's batch, one
/// per range for a worker-scope plan's batch.
/// </summary>
internal sealed class DeliveryWork
{
    // 0: queued; 1: a delivery loop took it; 2: its session stopped before any loop took it.
    private int _state;

    /// <summary>A batch of one shard's range.</summary>
    public DeliveryWork(ShardSession session, DeliveryBatch batch)
    {
        Batch = batch;
        Pieces = [new PlanPiece(session, new PlannedBatch(batch.Source.First, batch.Source.Last))];
    }

    /// <summary>A plan's batch: each range is a piece registered with its shard's session.</summary>
    public DeliveryWork(DeliveryBatch batch, IReadOnlyList<PlanPiece> pieces)
    {
        ArgumentOutOfRangeException.ThrowIfZero(pieces.Count);
        Batch = batch;
        Pieces = pieces;
    }

    /// <summary>The session of the batch's (first) range.</summary>
    public ShardSession Session => Pieces[0].Session;

    public DeliveryBatch Batch { get; }

    /// <summary>Each range of the batch with the session whose checkpoint it holds back.</summary>
    public IReadOnlyList<PlanPiece> Pieces { get; }

    /// <summary>True for a worker-scope plan's batch, delivered through the plan ledger (decision 0014).</summary>
    public bool IsPlan => Batch.Plan is not null;

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A delivery loop claims the work; false when its session gave it up while it was queued.</summary>
    public bool TryStart() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

    /// <summary>
    /// The session stopped: a work still queued is given up at once (its batch is not written and stays planned for the
    /// next owner), instead of waiting for a delivery loop to reach it behind other shards' writes. False when a loop
    /// has it already; that delivery is cancelled through the session instead. A plan's work is never given up by one of
    /// its sessions: the others' checkpoints wait for it.
    /// </summary>
    public bool TryGiveUp() => !IsPlan && Interlocked.CompareExchange(ref _state, 2, 0) == 0;

    /// <summary>Completes the work in every session that holds a piece of it.</summary>
    public void CompleteInSessions()
    {
        foreach (PlanPiece piece in Pieces)
        {
            piece.Session.Completed(this);
        }
    }
}

/// <summary>One range of a batch and the session of its shard.</summary>
internal readonly record struct PlanPiece(ShardSession Session, PlannedBatch Piece);
