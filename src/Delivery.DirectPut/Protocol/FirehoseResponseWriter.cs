using System.Text.Json;
using Delivery.DirectPut.Ingest;

namespace Delivery.DirectPut.Protocol;

/// <summary>Writes the JSON answers of the operations Direct PUT serves, in the members and order Firehose uses.</summary>
public static class FirehoseResponseWriter
{
    /// <summary>The destination id Firehose gives a delivery stream's only destination.</summary>
    public const string DestinationId = "destinationId-000000000001";

    /// <summary><c>{"RecordId": "...", "Encrypted": false}</c>.</summary>
    public static void WritePutRecord(Utf8JsonWriter json, string recordId, bool encrypted)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject();
        json.WriteString("RecordId", recordId);
        json.WriteBoolean("Encrypted", encrypted);
        json.WriteEndObject();
    }

    /// <summary>
    /// <c>{"FailedPutCount": n, "Encrypted": false, "RequestResponses": [{"RecordId": "..."} | {"ErrorCode": "...",
    /// "ErrorMessage": "..."}, ...]}</c>: one entry per record, in the order of the request.
    /// </summary>
    public static void WritePutRecordBatch(Utf8JsonWriter json, IReadOnlyList<PutOutcome> outcomes, bool encrypted)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(outcomes);
        json.WriteStartObject();
        json.WriteNumber("FailedPutCount", outcomes.Count(outcome => !outcome.Stored));
        json.WriteBoolean("Encrypted", encrypted);
        json.WriteStartArray("RequestResponses");
        foreach (PutOutcome outcome in outcomes)
        {
            json.WriteStartObject();
            if (outcome.RecordId is { } id)
            {
                json.WriteString("RecordId", id);
            }
            else
            {
                json.WriteString("ErrorCode", outcome.ErrorCode);
                json.WriteString("ErrorMessage", outcome.ErrorMessage);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary><c>{"DeliveryStreamNames": [...], "HasMoreDeliveryStreams": false}</c>.</summary>
    public static void WriteListDeliveryStreams(Utf8JsonWriter json, IReadOnlyList<string> names, bool hasMore)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(names);
        json.WriteStartObject();
        json.WriteStartArray("DeliveryStreamNames");
        foreach (string name in names)
        {
            json.WriteStringValue(name);
        }

        json.WriteEndArray();
        json.WriteBoolean("HasMoreDeliveryStreams", hasMore);
        json.WriteEndObject();
    }

    /// <summary>
    /// <c>{"DeliveryStreamDescription": {...}}</c>: name, ARN, status ACTIVE, type, version, encryption, the Kinesis
    /// source for a pipeline that does not take Direct PUT, and its destination with its buffering hints.
    /// </summary>
    public static void WriteDescribeDeliveryStream(Utf8JsonWriter json, DeliveryStreamEntry stream, bool encrypted, DateTimeOffset created)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(stream);
        json.WriteStartObject();
        json.WriteStartObject("DeliveryStreamDescription");
        json.WriteString("DeliveryStreamName", stream.Name);
        json.WriteString("DeliveryStreamARN", stream.Arn);
        json.WriteString("DeliveryStreamStatus", "ACTIVE");
        json.WriteStartObject("DeliveryStreamEncryptionConfiguration");
        json.WriteString("Status", encrypted ? "ENABLED" : "DISABLED");
        json.WriteEndObject();
        json.WriteString("DeliveryStreamType", stream.DeliveryStreamType);
        json.WriteString("VersionId", "1");

        // The AWS JSON protocol sends timestamps as epoch seconds.
        json.WriteNumber("CreateTimestamp", created.ToUnixTimeMilliseconds() / 1000.0);
        if (!stream.AcceptsDirectPut)
        {
            json.WriteStartObject("Source");
            json.WriteStartObject("KinesisStreamSourceDescription");
            json.WriteString("KinesisStreamARN", stream.StreamArn);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteStartArray("Destinations");
        WriteDestination(json, stream.Destination);
        json.WriteEndArray();
        json.WriteBoolean("HasMoreDestinations", false);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary><c>{"__type": "...", "message": "..."}</c>: the shape every AWS SDK parses an AWS JSON error from.</summary>
    public static void WriteError(Utf8JsonWriter json, FirehoseError error)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(error);
        json.WriteStartObject();
        json.WriteString("__type", error.Type);
        json.WriteString("message", error.Message);
        json.WriteEndObject();
    }

    private static void WriteDestination(Utf8JsonWriter json, DestinationSummary destination)
    {
        json.WriteStartObject();
        json.WriteString("DestinationId", DestinationId);
        switch (destination.Kind)
        {
            case DestinationKind.S3:
                json.WriteStartObject("ExtendedS3DestinationDescription");
                WriteBucket(json, destination);
                json.WriteEndObject();
                break;
            case DestinationKind.HttpEndpoint:
                json.WriteStartObject("HttpEndpointDestinationDescription");
                json.WriteStartObject("EndpointConfiguration");
                json.WriteString("Url", destination.Url);
                json.WriteEndObject();
                WriteBufferingHints(json, destination);
                json.WriteEndObject();
                break;
            case DestinationKind.Redshift:
                json.WriteStartObject("RedshiftDestinationDescription");
                json.WriteStartObject("CopyCommand");
                json.WriteString("DataTableName", destination.Table);
                json.WriteEndObject();
                json.WriteStartObject("S3DestinationDescription");
                WriteBucket(json, destination);
                json.WriteEndObject();
                json.WriteEndObject();
                break;
            case DestinationKind.AmazonOpenSearchService:
                json.WriteStartObject("AmazonopensearchserviceDestinationDescription");
                json.WriteString("ClusterEndpoint", destination.Url);
                json.WriteString("IndexName", destination.IndexName);
                if (destination.TypeName is { } type)
                {
                    json.WriteString("TypeName", type);
                }

                json.WriteString("IndexRotationPeriod", destination.IndexRotationPeriod);
                WriteBufferingHints(json, destination);
                json.WriteEndObject();
                break;
            case DestinationKind.Splunk:
                // Never the token: DescribeDeliveryStream is answered to any producer that may put.
                json.WriteStartObject("SplunkDestinationDescription");
                json.WriteString("HECEndpoint", destination.Url);
                json.WriteString("HECEndpointType", destination.HecEndpointType);
                json.WriteNumber("HECAcknowledgmentTimeoutInSeconds", destination.AcknowledgmentTimeoutInSeconds ?? 180);
                json.WriteStartObject("RetryOptions");
                json.WriteNumber("DurationInSeconds", destination.RetryDurationInSeconds ?? 300);
                json.WriteEndObject();
                json.WriteString("S3BackupMode", destination.S3BackupMode);
                WriteBufferingHints(json, destination);
                json.WriteEndObject();
                break;
        }

        json.WriteEndObject();
    }

    private static void WriteBucket(Utf8JsonWriter json, DestinationSummary destination)
    {
        json.WriteString("BucketARN", $"arn:aws:s3:::{destination.BucketName}");
        json.WriteString("Prefix", destination.Prefix ?? "");
        if (destination.ErrorOutputPrefix is { } errorPrefix)
        {
            json.WriteString("ErrorOutputPrefix", errorPrefix);
        }

        WriteBufferingHints(json, destination);
        json.WriteString("CompressionFormat", destination.CompressionFormat ?? "UNCOMPRESSED");
        json.WriteStartObject("EncryptionConfiguration");
        json.WriteString("NoEncryptionConfig", "NoEncryption");
        json.WriteEndObject();
    }

    private static void WriteBufferingHints(Utf8JsonWriter json, DestinationSummary destination)
    {
        json.WriteStartObject("BufferingHints");
        json.WriteNumber("SizeInMBs", destination.BufferSizeInMBs);
        json.WriteNumber("IntervalInSeconds", destination.BufferIntervalInSeconds);
        json.WriteEndObject();
    }
}
