namespace Delivery.Pipeline;

/// <summary>A cut batch on the pipeline's delivery queue, with the session to acknowledge it to.</summary>
internal sealed class DeliveryWork(ShardSession session, DeliveryBatch batch)
{
    public ShardSession Session { get; } = session;

    public DeliveryBatch Batch { get; } = batch;

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
