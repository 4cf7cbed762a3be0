namespace Delivery.Transforms.Partitioning;

/// <summary>Which keys make a partition and how many partitions a batch may have.</summary>
public sealed record PartitioningSettings
{
    /// <summary>Firehose's default cap on active partitions.</summary>
    public const int DefaultMaxActivePartitions = 500;

    /// <summary>The <c>partitionKeyFromQuery</c> keys the S3 prefix uses.</summary>
    public required IReadOnlyList<string> QueryKeys { get; init; }

    /// <summary>The <c>partitionKeyFromLambda</c> keys the S3 prefix uses.</summary>
    public required IReadOnlyList<string> LambdaKeys { get; init; }

    /// <summary>Partitions (objects) per batch at most; records of further partitions fail with <c>partition-count-exceeded</c>.</summary>
    public int MaxActivePartitions { get; init; } = DefaultMaxActivePartitions;
}
