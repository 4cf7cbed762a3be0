namespace Delivery.Transforms.Processing;

/// <summary>The kinds of processor a pipeline can chain; the built-in ones carry Firehose's names.</summary>
public enum ProcessorType
{
    /// <summary>Splits a record holding several (JSON or delimited) into those records.</summary>
    RecordDeAggregation,

    /// <summary>Decompresses gzip records (CloudWatch Logs subscriptions).</summary>
    Decompression,

    /// <summary>Drops CloudWatch Logs control messages and, with DataMessageExtraction, makes one record per log event.</summary>
    CloudWatchLogProcessing,

    /// <summary>An AWS Lambda data-transformation function.</summary>
    Lambda,

    /// <summary>A Firehose-contract transform served over HTTP (a sidecar).</summary>
    Http,

    /// <summary>An in-process <see cref="IRecordTransform"/> loaded from a directory.</summary>
    Plugin,

    /// <summary>Evaluates a JQ query for the <c>partitionKeyFromQuery</c> keys of dynamic partitioning.</summary>
    MetadataExtraction,

    /// <summary>Appends a delimiter to every record.</summary>
    AppendDelimiterToRecord,
}
