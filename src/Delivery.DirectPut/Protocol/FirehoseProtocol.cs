namespace Delivery.DirectPut.Protocol;

/// <summary>
/// Firehose's wire protocol (AWS JSON 1.1, API version 2015-08-04) and the limits it enforces, which Delivery keeps
/// exactly so that producers written for Firehose need no change.
/// </summary>
public static class FirehoseProtocol
{
    /// <summary>The prefix of <c>X-Amz-Target</c>.</summary>
    public const string TargetPrefix = "Firehose_20150804.";

    /// <summary>The content type of requests and answers.</summary>
    public const string ContentType = "application/x-amz-json-1.1";

    /// <summary>The SigV4 signing name.</summary>
    public const string SigningName = "firehose";

    public const string PutRecord = "PutRecord";
    public const string PutRecordBatch = "PutRecordBatch";
    public const string DescribeDeliveryStream = "DescribeDeliveryStream";
    public const string ListDeliveryStreams = "ListDeliveryStreams";

    /// <summary>Records per PutRecordBatch call: 1 to 500.</summary>
    public const int MaxRecordsPerBatch = 500;

    /// <summary>Bytes of one record's data, before base64: 1,000 KiB.</summary>
    public const int MaxRecordBytes = 1_024_000;

    /// <summary>Bytes of all records of one PutRecordBatch call, before base64: 4 MiB.</summary>
    public const int MaxBatchBytes = 4 * 1024 * 1024;

    /// <summary>
    /// The largest request body read: a full batch in base64 (4 MiB × 4/3) with room for JSON punctuation and
    /// whitespace. A larger body cannot be a valid call and is refused before it is parsed.
    /// </summary>
    public const int MaxRequestBodyBytes = 8 * 1024 * 1024;

    /// <summary>Delivery stream names: 1 to 64 of [a-zA-Z0-9_.-].</summary>
    public const int MaxDeliveryStreamNameLength = 64;

    /// <summary>ListDeliveryStreams' default Limit, as in Firehose; 1 to 10,000.</summary>
    public const int DefaultListLimit = 10;

    /// <summary>The operations Direct PUT serves.</summary>
    public static IReadOnlyList<string> Operations { get; } = [PutRecord, PutRecordBatch, DescribeDeliveryStream, ListDeliveryStreams];

    /// <summary>Whether a delivery stream name fits Firehose's pattern and length.</summary>
    public static bool IsValidDeliveryStreamName(string name) =>
        name.Length is > 0 and <= MaxDeliveryStreamNameLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');
}
