using System.ComponentModel.DataAnnotations;

namespace Delivery.Transforms.Processing;

/// <summary>
/// A pipeline's record processing (<c>Delivery:Pipelines:&lt;name&gt;:Processing</c>), Firehose's
/// ProcessingConfiguration: processors applied to every batch, in the order listed, before it is written.
/// </summary>
public sealed class ProcessingOptions
{
    /// <summary>Whether the processors run. Default true; false keeps the list but skips it.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The 12-digit account id put into the ARNs of transform events (deliveryStreamArn, sourceKinesisStreamArn).
    /// Default: the account of the first Lambda ARN in <see cref="Processors"/>, else <c>000000000000</c>.
    /// </summary>
    [RegularExpression("^[0-9]{12}$", ErrorMessage = "AccountId is 12 digits.")]
    public string? AccountId { get; set; }

    /// <summary>The processors, in order. Default none.</summary>
    [Required]
    public List<ProcessorOptions> Processors { get; set; } = [];
}

/// <summary>Firehose's DynamicPartitioningConfiguration (<c>Delivery:Pipelines:&lt;name&gt;:DynamicPartitioning</c>).</summary>
public sealed class DynamicPartitioningOptions
{
    /// <summary>
    /// Whether records are grouped into one object per set of partition key values. Default false. Needs an S3 prefix
    /// with at least one <c>!{partitionKeyFromQuery:name}</c> or <c>!{partitionKeyFromLambda:name}</c>.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Partitions a batch may have; records of further partitions go to the backup bucket under
    /// <c>partition-count-exceeded</c>. Default 500 (Firehose's default); 1 to 5000.
    /// </summary>
    [Range(1, 5000)]
    public int MaxActivePartitions { get; set; } = Partitioning.PartitioningSettings.DefaultMaxActivePartitions;
}
