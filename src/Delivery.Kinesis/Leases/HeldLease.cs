using Delivery.Kinesis.Reading;

namespace Delivery.Kinesis.Leases;

/// <summary>A lease this worker holds, the consumer reading its shard, and when it was last renewed.</summary>
internal sealed class HeldLease(Lease lease, ShardConsumer consumer, long lastRenewed)
{
    /// <summary>The lease as last written by this worker (its counter is what the next renewal is conditional on).</summary>
    public Lease Lease { get; set; } = lease;

    public ShardConsumer Consumer { get; } = consumer;

    /// <summary>Timestamp (of the worker's TimeProvider) taken before the last successful renewal was sent.</summary>
    public long LastRenewed { get; set; } = lastRenewed;

    /// <summary>True while the lease should be renewed: its consumer is running and has not started letting go.</summary>
    public bool NeedsRenewal => !Consumer.Completion.IsCompleted && !Consumer.IsLettingGo;
}
