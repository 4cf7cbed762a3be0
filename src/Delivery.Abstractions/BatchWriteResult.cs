namespace Delivery;

/// <summary>What a writer did with a batch: every record it did not deliver is listed with the reason.</summary>
public sealed class BatchWriteResult
{
    public static BatchWriteResult Delivered { get; } = new([]);

    public BatchWriteResult(IReadOnlyList<FailedRecord> failedRecords)
    {
        ArgumentNullException.ThrowIfNull(failedRecords);
        FailedRecords = failedRecords;
    }

    /// <summary>The records that go to the backup bucket instead; every other record of the batch is delivered.</summary>
    public IReadOnlyList<FailedRecord> FailedRecords { get; }

    public bool AllDelivered => FailedRecords.Count == 0;

    /// <summary>
    /// With dynamic partitioning, how the written data divided into partitions: what worker-scope buffering sizes its
    /// next cut by, so that each partition's object comes out near the size hint. Null without partitioning.
    /// </summary>
    public PartitionSizes? Partitions { get; init; }
}

/// <summary>Data bytes written across a batch's partitions, and those of its largest partition.</summary>
public readonly record struct PartitionSizes(long TotalBytes, long LargestBytes);

/// <summary>A record that could not be transformed, converted or delivered within its retry budget.</summary>
/// <param name="Index">Index into <see cref="DeliveryBatch.Records"/>: the backup holds that record's original bytes.</param>
/// <param name="ErrorCode">A Firehose-style error code such as "Lambda.MissingRecordId" or "HttpEndpoint.ResponseTimeout".</param>
/// <param name="ErrorMessage">What went wrong, for a person. Never holds secrets.</param>
/// <param name="ErrorOutputType">Which failure this is (<see cref="ErrorOutputTypes"/>); it names the error prefix folder.</param>
/// <param name="AttemptsMade">How many times the failing step was tried.</param>
/// <param name="LambdaArn">The transform that failed the record, for transform failures.</param>
/// <param name="DestinationFields">
/// Where the destination meant the record to go, written as extra fields of its failed-record line, as Firehose writes
/// them (<c>esDocumentId</c>, <c>esIndexName</c> and <c>esTypeName</c> for OpenSearch); null for none.
/// </param>
public readonly record struct FailedRecord(
    int Index,
    string ErrorCode,
    string ErrorMessage,
    string ErrorOutputType,
    int AttemptsMade = 1,
    string? LambdaArn = null,
    IReadOnlyList<KeyValuePair<string, string>>? DestinationFields = null);

/// <summary>The values of Firehose's <c>!{firehose:error-output-type}</c> expression, and Delivery's own additions.</summary>
public static class ErrorOutputTypes
{
    /// <summary>A transform returned ProcessingFailed, failed, or returned a malformed response for the record.</summary>
    public const string ProcessingFailed = "processing-failed";

    /// <summary>The record could not be converted to the output format (Parquet).</summary>
    public const string FormatConversionFailed = "format-conversion-failed";

    /// <summary>The HTTP endpoint did not accept the record's batch within the retry duration.</summary>
    public const string HttpEndpointFailed = "http-endpoint-failed";

    /// <summary>Redshift (or PostgreSQL) did not load the record's batch within the retry duration.</summary>
    public const string RedshiftFailed = "redshift-failed";

    /// <summary>
    /// Splunk's HTTP Event Collector refused the record, or did not acknowledge its request as indexed within the
    /// retry duration.
    /// </summary>
    public const string SplunkFailed = "splunk-failed";

    /// <summary>
    /// OpenSearch (or Elasticsearch) did not index the record within the retry duration, or refused it for good. The
    /// spelling is Firehose's own value of <c>!{firehose:error-output-type}</c> for its OpenSearch Service destination.
    /// </summary>
    public const string OpenSearchFailed = "AmazonOpenSearchService-failed";

    /// <summary>The record's partition would have exceeded the cap on active partitions.</summary>
    public const string PartitionCountExceeded = "partition-count-exceeded";

    /// <summary>The record was to be decompressed (CloudWatch Logs, gzip) and was not valid compressed data.</summary>
    public const string DecompressionFailed = "decompression-failed";

    /// <summary>True for the types that mean the destination itself refused the records (it gave the batch up).</summary>
    public static bool IsDestinationFailure(string errorOutputType) => errorOutputType is HttpEndpointFailed or RedshiftFailed or OpenSearchFailed or SplunkFailed;

    /// <summary>Every type, in the order above.</summary>
    public static IReadOnlyList<string> All { get; } =
        [ProcessingFailed, FormatConversionFailed, HttpEndpointFailed, RedshiftFailed, SplunkFailed, OpenSearchFailed, PartitionCountExceeded, DecompressionFailed];
}
