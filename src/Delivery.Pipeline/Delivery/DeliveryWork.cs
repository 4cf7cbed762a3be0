namespace Delivery.Pipeline;

/// <summary>A cut batch on the pipeline's delivery queue, with the session to acknowledge it to.</summary>
internal sealed class DeliveryWork(ShardSession session, DeliveryBatch batch)
{
    // 0: queued; 1: a delivery loop took it; 2: its session stopped before any loop took it.
    private int _state;

    public ShardSession Session { get; } = session;

    public DeliveryBatch Batch { get; } = batch;

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A delivery loop claims the work; false when its session gave it up while it was queued.</summary>
    public bool TryStart() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

    /// <summary>
    /// The session stopped: a work still queued is given up at once (its batch is not written and stays planned for the
    /// next owner), instead of waiting for a delivery loop to reach it behind other shards' writes. False when a loop
    /// has it already; that delivery is cancelled through the session instead.
    /// </summary>
    public bool TryGiveUp() => Interlocked.CompareExchange(ref _state, 2, 0) == 0;
}
