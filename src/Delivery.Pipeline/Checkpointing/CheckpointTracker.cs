namespace Delivery.Pipeline.Checkpointing;

/// <summary>
/// The delivery state of one shard: the checkpoint, and the batches cut after it in shard order with whether each is
/// acknowledged. The checkpoint advances only over a contiguous acknowledged prefix, so it never passes a record that
/// is not delivered, whatever order batches finish in.
/// </summary>
/// <remarks>Not thread-safe; the owning shard session serialises access.</remarks>
public sealed class CheckpointTracker
{
    private readonly LinkedList<InFlight> _batches = new();

    public CheckpointTracker(ShardPosition? checkpoint)
    {
        Checkpoint = checkpoint;
    }

    /// <summary>The highest position with it and every earlier record delivered; null while there is none.</summary>
    public ShardPosition? Checkpoint { get; private set; }

    /// <summary>Increases with every change, so a writer can tell whether what it persisted is still current.</summary>
    public long Version { get; private set; }

    public int InFlightCount => _batches.Count;

    /// <summary>Records a batch just cut. Batches are registered in shard order and never overlap.</summary>
    public void Register(PlannedBatch batch)
    {
        ShardPosition? last = _batches.Last?.Value.Batch.Last ?? Checkpoint;
        if (batch.First > batch.Last)
        {
            throw new ArgumentException($"Batch range {batch.First}..{batch.Last} is reversed.", nameof(batch));
        }

        if (last is { } previous && batch.First <= previous)
        {
            throw new InvalidOperationException($"Batch {batch.First}..{batch.Last} does not follow {previous}: batches must be registered in shard order.");
        }

        _batches.AddLast(new InFlight(batch.Identity));
        Version++;
    }

    /// <summary>Marks a batch delivered. Returns true when the checkpoint moved.</summary>
    public bool Acknowledge(PlannedBatch batch)
    {
        LinkedListNode<InFlight>? node = _batches.First;
        PlannedBatch identity = batch.Identity;
        while (node is not null && node.Value.Batch != identity)
        {
            node = node.Next;
        }

        if (node is null)
        {
            throw new InvalidOperationException($"Batch {batch.First}..{batch.Last} is not in flight.");
        }

        node.Value.Acknowledged = true;
        Version++;
        bool advanced = false;
        while (_batches.First is { Value.Acknowledged: true } head)
        {
            Checkpoint = head.Value.Batch.Last;
            _batches.RemoveFirst();
            advanced = true;
        }

        return advanced;
    }

    /// <summary>
    /// Replaces an unacknowledged entry by another with the same range (a plan's piece that became a batch of its own
    /// range when the plan was aborted). Returns false when the entry is not in flight.
    /// </summary>
    public bool Replace(PlannedBatch entry, PlannedBatch replacement)
    {
        if (entry.First != replacement.First || entry.Last != replacement.Last)
        {
            throw new ArgumentException($"A replacement keeps the range {entry.First}..{entry.Last}.", nameof(replacement));
        }

        PlannedBatch identity = entry.Identity;
        for (LinkedListNode<InFlight>? node = _batches.First; node is not null; node = node.Next)
        {
            if (node.Value.Batch == identity && !node.Value.Acknowledged)
            {
                node.Value = new InFlight(replacement.Identity);
                Version++;
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Every batch after the checkpoint, acknowledged or not, in order: the cut points a new owner must reuse. An
    /// acknowledged piece of a plan is marked done, so a new owner passes over it without asking the plan ledger.
    /// </summary>
    public IReadOnlyList<PlannedBatch> PendingBatches()
    {
        var pending = new List<PlannedBatch>(_batches.Count);
        foreach (InFlight inFlight in _batches)
        {
            pending.Add(inFlight.Acknowledged && inFlight.Batch.PlanId is not null ? inFlight.Batch with { Done = true } : inFlight.Batch);
        }

        return pending;
    }

    private sealed class InFlight(PlannedBatch batch)
    {
        public PlannedBatch Batch { get; } = batch;

        public bool Acknowledged { get; set; }
    }
}
