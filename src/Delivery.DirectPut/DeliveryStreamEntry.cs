namespace Delivery.DirectPut;

/// <summary>
/// One pipeline as the Firehose API shows it: what DescribeDeliveryStream and ListDeliveryStreams answer, and where
/// PutRecord and PutRecordBatch store its records.
/// </summary>
/// <param name="Name">The pipeline's name, which is the delivery stream name producers use.</param>
/// <param name="Region">The worker's region, for ARNs.</param>
/// <param name="AccountId">The account id in ARNs (the pipeline's <c>Processing:AccountId</c>).</param>
/// <param name="StreamName">The Kinesis stream the pipeline reads, and Direct PUT stores into.</param>
/// <param name="AcceptsDirectPut">Whether PutRecord and PutRecordBatch are accepted (DeliveryStreamType DirectPut).</param>
/// <param name="Destination">The destination, for DescribeDeliveryStream.</param>
public sealed record DeliveryStreamEntry(string Name, string Region, string AccountId, string StreamName, bool AcceptsDirectPut, DestinationSummary Destination)
{
    /// <summary><c>arn:aws:firehose:&lt;region&gt;:&lt;account&gt;:deliverystream/&lt;name&gt;</c>.</summary>
    public string Arn => $"arn:{Partition}:firehose:{Region}:{AccountId}:deliverystream/{Name}";

    /// <summary><c>arn:aws:kinesis:&lt;region&gt;:&lt;account&gt;:stream/&lt;stream&gt;</c>.</summary>
    public string StreamArn => $"arn:{Partition}:kinesis:{Region}:{AccountId}:stream/{StreamName}";

    /// <summary>Firehose's name for how the delivery stream gets its records.</summary>
    public string DeliveryStreamType => AcceptsDirectPut ? "DirectPut" : "KinesisStreamAsSource";

    private string Partition => Region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn" : Region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov" : "aws";
}

/// <summary>What DescribeDeliveryStream says about a pipeline's destination.</summary>
/// <param name="Kind">S3, HttpEndpoint, Redshift, AmazonOpenSearchService or Splunk.</param>
/// <param name="BufferSizeInMBs">The buffering size hint.</param>
/// <param name="BufferIntervalInSeconds">The buffering interval hint.</param>
public sealed record DestinationSummary(DestinationKind Kind, int BufferSizeInMBs, int BufferIntervalInSeconds)
{
    /// <summary>The bucket (S3; the intermediate bucket for Redshift).</summary>
    public string? BucketName { get; init; }

    /// <summary>The object key prefix (S3).</summary>
    public string? Prefix { get; init; }

    /// <summary>The prefix of failed-record objects.</summary>
    public string? ErrorOutputPrefix { get; init; }

    /// <summary>Firehose's name of the compression format: UNCOMPRESSED, GZIP, ZIP, Snappy or HADOOP_SNAPPY.</summary>
    public string? CompressionFormat { get; init; }

    /// <summary>The endpoint URL without user info or query values (HTTP endpoint; the cluster endpoint of OpenSearch; Splunk's HEC endpoint).</summary>
    public string? Url { get; init; }

    /// <summary>The index name before rotation (OpenSearch).</summary>
    public string? IndexName { get; init; }

    /// <summary>The mapping type, if any (OpenSearch).</summary>
    public string? TypeName { get; init; }

    /// <summary>NoRotation, OneHour, OneDay, OneWeek or OneMonth (OpenSearch).</summary>
    public string? IndexRotationPeriod { get; init; }


    /// <summary>Raw or Event (Splunk).</summary>
    public string? HecEndpointType { get; init; }

    /// <summary>How long an acknowledgement is waited for (Splunk).</summary>
    public int? AcknowledgmentTimeoutInSeconds { get; init; }

    /// <summary>How long a request is retried (Splunk).</summary>
    public int? RetryDurationInSeconds { get; init; }

    /// <summary>Firehose's name of what goes to the backup bucket: FailedEventsOnly or AllEvents (Splunk).</summary>
    public string? S3BackupMode { get; init; }

    /// <summary>The table loaded (Redshift).</summary>
    public string? Table { get; init; }
}

/// <summary>The destination kinds DescribeDeliveryStream describes.</summary>
public enum DestinationKind
{
    S3,
    HttpEndpoint,
    Redshift,
    AmazonOpenSearchService,
    Splunk,
}
