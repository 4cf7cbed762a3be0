namespace Delivery.Transforms.Processing;

/// <summary>
/// The error codes processors give failed records (the <c>errorCode</c> of a backup record). The transform contract's
/// own checks keep Firehose's <c>Lambda.</c> codes whichever kind of transform ran, so alarms written for Firehose keep
/// working; failures of the transport carry the transport's prefix.
/// </summary>
public static class TransformErrorCodes
{
    // The contract, for Lambda, HTTP and plugin transforms alike.

    /// <summary>The response has no result for the record's id.</summary>
    public const string MissingRecordId = "Lambda.MissingRecordId";

    /// <summary>The response has more than one result for the record's id.</summary>
    public const string DuplicatedRecordId = "Lambda.DuplicatedRecordId";

    /// <summary>The transform returned <c>ProcessingFailed</c> for the record.</summary>
    public const string ProcessingFailed = "Lambda.ProcessingFailed";

    /// <summary>The response is not JSON, or not an object with a <c>records</c> array.</summary>
    public const string JsonProcessingException = "Lambda.JsonProcessingException";

    /// <summary>The record's result is missing or is not <c>Ok</c>, <c>Dropped</c> or <c>ProcessingFailed</c>.</summary>
    public const string InvalidResult = "Lambda.InvalidResult";

    /// <summary>An <c>Ok</c> record's <c>data</c> is missing, not a string, or not valid base64.</summary>
    public const string InvalidData = "Lambda.InvalidData";

    /// <summary>The record's <c>metadata.partitionKeys</c> is not an object of string values.</summary>
    public const string InvalidPartitionKeys = "Lambda.InvalidPartitionKeys";

    /// <summary>The record alone makes an event larger than the transport's payload limit (6 MB for Lambda).</summary>
    public const string PayloadTooLarge = "Lambda.PayloadTooLarge";

    // AWS Lambda.

    /// <summary>The function ran and failed (the response had <c>X-Amz-Function-Error</c>), after every retry.</summary>
    public const string FunctionError = "Lambda.FunctionError";

    /// <summary>Lambda throttled the invocation (429 TooManyRequestsException), after every retry.</summary>
    public const string InvokeLimitExceeded = "Lambda.InvokeLimitExceeded";

    /// <summary>No answer within the processor's <c>TimeoutSeconds</c>, after every retry.</summary>
    public const string InvokeTimedOut = "Lambda.InvokeTimedOut";

    /// <summary>The function does not exist (404).</summary>
    public const string ResourceNotFound = "Lambda.ResourceNotFound";

    /// <summary>The credentials may not invoke the function (403).</summary>
    public const string InvokeAccessDenied = "Lambda.InvokeAccessDenied";

    /// <summary>Lambda answered with a 5xx error, after every retry.</summary>
    public const string ServiceException = "Lambda.ServiceException";

    /// <summary>The connection to Lambda failed, after every retry.</summary>
    public const string NetworkError = "Lambda.NetworkError";

    /// <summary>The function's response is larger than Lambda's 6 MB response limit.</summary>
    public const string ResponseTooLarge = "Lambda.ResponseTooLarge";

    // HTTP transforms. An HTTP status becomes HttpTransform.HttpStatus<code>, such as HttpTransform.HttpStatus500.

    /// <summary>No answer within the processor's <c>TimeoutSeconds</c>, after every retry.</summary>
    public const string HttpTimeout = "HttpTransform.Timeout";

    /// <summary>The connection failed, after every retry.</summary>
    public const string HttpNetworkError = "HttpTransform.NetworkError";

    /// <summary>The response body is larger than the processor's <c>MaxResponseBytes</c>.</summary>
    public const string HttpResponseTooLarge = "HttpTransform.ResponseTooLarge";

    /// <summary>The prefix of an HTTP status code that is not 200, such as <c>HttpTransform.HttpStatus503</c>.</summary>
    public const string HttpStatusPrefix = "HttpTransform.HttpStatus";

    // Plugins.

    /// <summary>The plugin threw, after every retry.</summary>
    public const string PluginException = "Plugin.Exception";

    /// <summary>The plugin did not finish within the processor's <c>TimeoutSeconds</c>, after every retry.</summary>
    public const string PluginTimeout = "Plugin.Timeout";

    // Any processor.

    /// <summary>
    /// Processing the record threw where the processor has no code of its own: a bug, named with the exception in the
    /// message. The record fails alone instead of holding its shard.
    /// </summary>
    public const string UnexpectedError = "Processing.UnexpectedError";

    // Built-in processors.

    /// <summary>The record is not valid gzip data (error output type <c>decompression-failed</c>).</summary>
    public const string DecompressionFailed = "Decompression.InvalidGzip";

    /// <summary>The record decompresses to more than the processor allows (error output type <c>decompression-failed</c>).</summary>
    public const string DecompressedTooLarge = "Decompression.TooLarge";

    /// <summary>The decompressed record is not a CloudWatch Logs subscription message.</summary>
    public const string CloudWatchLogsInvalid = "CloudWatchLogs.InvalidMessage";

    /// <summary>A record to split as JSON is not a sequence of JSON values.</summary>
    public const string DeAggregationInvalidJson = "DeAggregation.InvalidJson";

    /// <summary>A record to de-aggregate holds nothing (empty, only delimiters, only whitespace).</summary>
    public const string DeAggregationEmpty = "DeAggregation.Empty";

    // Dynamic partitioning.

    /// <summary>The record is not a JSON object, or the query found no usable value for a key.</summary>
    public const string MetadataExtractionFailed = "DynamicPartitioning.MetadataExtractionFailed";

    /// <summary>The S3 prefix uses a <c>partitionKeyFromLambda</c> key no transform set for the record.</summary>
    public const string MissingPartitionKey = "DynamicPartitioning.MissingPartitionKey";

    /// <summary>A partition key value is empty, too long, or has a character S3 keys must avoid.</summary>
    public const string InvalidPartitionKeyValue = "DynamicPartitioning.InvalidPartitionKeyValue";

    /// <summary>The record's partition would exceed the cap on active partitions (error output type <c>partition-count-exceeded</c>).</summary>
    public const string PartitionCountExceeded = "DynamicPartitioning.PartitionCountExceeded";
}
