namespace Delivery.Transforms;

/// <summary>One call of an in-process transform: what a Firehose Lambda event carries, with the records' bytes as they are.</summary>
public sealed class TransformInvocation
{
    /// <summary>Unique per call and stable across its retries, like Firehose's invocationId.</summary>
    public required string InvocationId { get; init; }

    /// <summary>The ARN the pipeline presents as its delivery stream (see the pipeline's <c>Processing:AccountId</c>).</summary>
    public required string DeliveryStreamArn { get; init; }

    /// <summary>The ARN of the Kinesis stream the records were read from.</summary>
    public required string SourceKinesisStreamArn { get; init; }

    /// <summary>The region the worker runs in.</summary>
    public required string Region { get; init; }

    /// <summary>The records, in shard order.</summary>
    public required IReadOnlyList<TransformRecord> Records { get; init; }
}
