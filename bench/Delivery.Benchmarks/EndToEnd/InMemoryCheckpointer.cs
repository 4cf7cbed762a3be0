namespace Delivery.Benchmarks.EndToEnd;

/// <summary>A lease-side checkpointer that only remembers the last checkpoint, so a run can check every shard finished.</summary>
public sealed class InMemoryCheckpointer : IShardCheckpointer
{
    private readonly Lock _gate = new();
    private ShardPosition? _checkpoint;
    private long _writes;

    public ShardPosition? Checkpoint
    {
        get
        {
            lock (_gate)
            {
                return _checkpoint;
            }
        }
    }

    public long Writes => Interlocked.Read(ref _writes);

    public Task PersistAsync(ShardPosition? checkpoint, IReadOnlyList<PlannedBatch> pendingBatches, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _checkpoint = checkpoint;
        }

        Interlocked.Increment(ref _writes);
        return Task.CompletedTask;
    }
}
