namespace Delivery.Kinesis.Reading;

/// <summary>The life of one leased shard in this worker (KCL's consumer states, reduced to what Delivery does).</summary>
public enum ShardConsumerState
{
    /// <summary>Lease taken; the session and iterator are being opened.</summary>
    Initializing,

    /// <summary>Reading pages and handing them to the pipeline.</summary>
    Reading,

    /// <summary>Reading has stopped (shutdown or shard end); buffered records are being delivered and checkpointed.</summary>
    Draining,

    /// <summary>The shard is closed and delivered to its end; SHARD_END is checkpointed and the lease released.</summary>
    ShardEnded,

    /// <summary>Stopped on request, checkpointed as far as delivered, lease released.</summary>
    Released,

    /// <summary>Asked for by another worker (balancing): checkpointed as far as delivered, lease handed over to it.</summary>
    HandedOver,

    /// <summary>Another worker holds the lease now; nothing further is written for this shard.</summary>
    LeaseLost,

    /// <summary>A permanent error (such as the stream being deleted) stopped the shard.</summary>
    Failed,
}
