using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace Delivery.Kinesis;

/// <summary>Where a pipeline reads from: a Kinesis stream, with its lease table and read pacing.</summary>
public sealed partial class KinesisSourceOptions : IValidatableObject
{
    /// <summary>The Kinesis stream name. Required.</summary>
    [Required(AllowEmptyStrings = false)]
    [RegularExpression("^[a-zA-Z0-9_.-]{1,128}$", ErrorMessage = "must be 1-128 characters of letters, digits, '_', '.' and '-'")]
    public string StreamName { get; set; } = "";

    /// <summary>Where a shard with no lease yet starts: TrimHorizon (default), Latest, AtTimestamp or AtSequenceNumber.</summary>
    public InitialPosition InitialPosition { get; set; } = InitialPosition.TrimHorizon;

    /// <summary>With <see cref="InitialPosition.AtTimestamp"/>: the arrival time to start from (ISO 8601). Required then.</summary>
    public DateTimeOffset? InitialTimestamp { get; set; }

    /// <summary>
    /// With <see cref="InitialPosition.AtSequenceNumber"/>: shard id to the sequence number its reading starts at (that
    /// record included), for a manual replay. Shards not listed start at TRIM_HORIZON. Required then, and only then.
    /// </summary>
    public Dictionary<string, string> StartingSequenceNumbers { get; set; } = new(StringComparer.Ordinal);

    [Required]
    public LeaseOptions Leases { get; set; } = new();

    [Required]
    public ReadingOptions Reading { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (InitialPosition == InitialPosition.AtSequenceNumber && StartingSequenceNumbers.Count == 0)
        {
            yield return new ValidationResult(
                "is required when InitialPosition is AtSequenceNumber: map each shard to replay to its first sequence number, e.g. StartingSequenceNumbers:shardId-000000000000 = 49590338271490256608559692538361571095921575989136588898.",
                [nameof(StartingSequenceNumbers)]);
        }
        else if (InitialPosition != InitialPosition.AtSequenceNumber && StartingSequenceNumbers.Count > 0)
        {
            yield return new ValidationResult(
                $"is only used when InitialPosition is AtSequenceNumber (it is {InitialPosition}); remove it or set InitialPosition to AtSequenceNumber.",
                [nameof(StartingSequenceNumbers)]);
        }

        foreach ((string shardId, string sequenceNumber) in StartingSequenceNumbers)
        {
            if (!ShardIdPattern().IsMatch(shardId))
            {
                yield return new ValidationResult($"'{shardId}' is not a shard id; shard ids look like shardId-000000000000.", [$"{nameof(StartingSequenceNumbers)}:{shardId}"]);
            }

            if (!SequenceNumberPattern().IsMatch(sequenceNumber ?? ""))
            {
                yield return new ValidationResult($"value '{sequenceNumber}' is not a sequence number: it must be 1-128 decimal digits.", [$"{nameof(StartingSequenceNumbers)}:{shardId}"]);
            }
        }
    }

    [GeneratedRegex("^shardId-[0-9]{12}$")]
    private static partial Regex ShardIdPattern();

    [GeneratedRegex("^[0-9]{1,128}$")]
    private static partial Regex SequenceNumberPattern();
}

/// <summary>Where a shard without a checkpoint starts reading.</summary>
public enum InitialPosition
{
    TrimHorizon,
    Latest,
    AtTimestamp,

    /// <summary>Shards named in <see cref="KinesisSourceOptions.StartingSequenceNumbers"/> start there; others at TRIM_HORIZON.</summary>
    AtSequenceNumber,
}

/// <summary>The DynamoDB lease table of a pipeline and the timing of its leases.</summary>
public sealed class LeaseOptions
{
    /// <summary>Lease table name. Default: "delivery-&lt;pipeline name&gt;-leases". Each pipeline needs its own table.</summary>
    [RegularExpression("^[a-zA-Z0-9_.-]{3,255}$", ErrorMessage = "must be 3-255 characters of letters, digits, '_', '.' and '-'")]
    public string? TableName { get; set; }

    /// <summary>
    /// Plan ledger table name (worker-scope buffering, decision 0014). Default: "delivery-&lt;pipeline name&gt;-plans".
    /// Each pipeline needs its own table.
    /// </summary>
    [RegularExpression("^[a-zA-Z0-9_.-]{3,255}$", ErrorMessage = "must be 3-255 characters of letters, digits, '_', '.' and '-'")]
    public string? PlanTableName { get; set; }

    /// <summary>Create the lease table and the plan table (on-demand billing) when they do not exist. Default true.</summary>
    public bool CreateTableIfMissing { get; set; } = true;

    /// <summary>
    /// Seconds without a renewal after which a lease is expired and another worker may take it. Renewals run every
    /// third of it. Default 10; 1 to 600.
    /// </summary>
    [Range(1, 600)]
    public int LeaseDurationSeconds { get; set; } = 10;

    /// <summary>Seconds between listings of the stream's shards (new shards after resharding). Default 60; 1 to 3600.</summary>
    [Range(1, 3600)]
    public int ShardSyncIntervalSeconds { get; set; } = 60;

    /// <summary>
    /// Seconds a worker asked to hand a lease over (balancing) spends delivering what it read of the shard before it
    /// hands over anyway; what is undelivered then is read again by the new owner. Default 30; 1 to 3600.
    /// </summary>
    [Range(1, 3600)]
    public int HandoffTimeoutSeconds { get; set; } = 30;

    public TimeSpan LeaseDuration => TimeSpan.FromSeconds(LeaseDurationSeconds);

    public TimeSpan HandoffTimeout => TimeSpan.FromSeconds(HandoffTimeoutSeconds);
}

/// <summary>How fast a shard is read.</summary>
public sealed class ReadingOptions
{
    /// <summary>Records asked for per GetRecords call. Default 10000; 1 to 10000.</summary>
    [Range(1, 10000)]
    public int MaxRecordsPerRead { get; set; } = 10000;

    /// <summary>
    /// Least milliseconds between two GetRecords calls on one shard. Default 200, the minimum: Kinesis allows five reads
    /// per second per shard, shared by every consumer of the stream; 200 to 60000.
    /// </summary>
    [Range(200, 60000)]
    public int MinMillisBetweenReads { get; set; } = 200;

    /// <summary>Milliseconds to wait after a read that found the shard caught up and empty. Default 1000; 200 to 60000.</summary>
    [Range(200, 60000)]
    public int IdleMillisBetweenReads { get; set; } = 1000;
}
