namespace Delivery.Kinesis.Leases;

/// <summary>Attribute names of a lease item; the first ten are the Kinesis Client Library's.</summary>
public static class LeaseAttributes
{
    public const string LeaseKey = "leaseKey";
    public const string LeaseOwner = "leaseOwner";
    public const string LeaseCounter = "leaseCounter";
    public const string Checkpoint = "checkpoint";
    public const string CheckpointSubSequenceNumber = "checkpointSubSequenceNumber";
    public const string OwnerSwitchesSinceCheckpoint = "ownerSwitchesSinceCheckpoint";
    public const string ParentShardId = "parentShardId";
    public const string ChildShardIds = "childShardIds";
    public const string StartingHashKey = "startingHashKey";
    public const string EndingHashKey = "endingHashKey";

    /// <summary>Delivery's addition: the planned, not yet checkpointed batches (a list of maps with first/last positions).</summary>
    public const string PendingBatches = "pendingBatches";

    /// <summary>Delivery's addition: where a shard that started at LATEST or AT_TIMESTAMP began to be read.</summary>
    public const string StartingSequenceNumber = "startingSequenceNumber";

    public const string StartingTimestamp = "startingTimestamp";

    /// <summary>Delivery's addition: the counter value written by the take that started the current tenure.</summary>
    public const string LeaseTenure = "leaseTenure";

    /// <summary>Delivery's addition: the worker the owner is asked to hand the lease over to (balancing).</summary>
    public const string PendingOwner = "pendingOwner";
}
