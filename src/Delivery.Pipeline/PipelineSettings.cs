using Delivery.Pipeline.Buffering;

namespace Delivery.Pipeline;

/// <summary>How one pipeline buffers and delivers; bound and validated by the worker host.</summary>
public sealed class PipelineSettings
{
    /// <summary>The pipeline's name (the "delivery stream" name); it appears in object names, logs and metrics.</summary>
    public required string Name { get; init; }

    public BufferingHints Buffering { get; init; } = new();

    /// <summary>Batches of this pipeline written at the same time, across its shards. Default 4.</summary>
    public int MaxConcurrentDeliveries { get; init; } = 4;

    /// <summary>
    /// The most batches one shard may have cut after its checkpoint (written or not). While its oldest batch is not
    /// delivered, later ones are acknowledged but stay in the lease item (<c>pendingBatches</c>) until the checkpoint
    /// passes them; at this many the shard's reader waits, so the item stays far below DynamoDB's 400 KB (about
    /// 150 bytes a batch) and a stuck batch costs reading time, never a write that can no longer succeed.
    /// </summary>
    public const int DefaultMaxPendingBatchesPerShard = 100;

    /// <summary>See <see cref="DefaultMaxPendingBatchesPerShard"/>.</summary>
    public int MaxPendingBatchesPerShard { get; init; } = DefaultMaxPendingBatchesPerShard;

    /// <summary>First wait before a failed batch is written again; it doubles up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan InitialRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// True when the destination converts records to another format (S3's DataFormatConversion): the pipeline then
    /// reports what was converted and what failed conversion, as Firehose's SucceedConversion and FailedConversion.
    /// </summary>
    public bool ConvertsFormat { get; init; }

    /// <summary>
    /// True when dynamic partitioning splits each batch into an object per partition: worker-scope buffering then sizes
    /// its cuts by the largest partition rather than by the whole batch.
    /// </summary>
    public bool PartitionsObjects { get; init; }
}
