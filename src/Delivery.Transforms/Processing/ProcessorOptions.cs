using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.RegularExpressions;
using Delivery.Transforms.BuiltIn;
using Delivery.Transforms.Query;

namespace Delivery.Transforms.Processing;

/// <summary>
/// One processor of <see cref="ProcessingOptions.Processors"/>: its <see cref="Type"/> and the parameters that type
/// takes (Firehose's ProcessorParameter names where Firehose has the processor). A parameter that does not apply to
/// the type is an error, so a setting in the wrong place is not silently ignored.
/// </summary>
public sealed partial class ProcessorOptions : IValidatableObject
{
    /// <summary>Lambda's 6 MB payload limit is why Lambda and HTTP buffers stop at 3 MB, as in Firehose.</summary>
    public const double MaxContractBufferSizeInMBs = 3;

    /// <summary>Plugins have no payload limit: they may take up to a whole batch.</summary>
    public const double MaxPluginBufferSizeInMBs = 128;

    /// <summary>Required. Which processor this is.</summary>
    [Required]
    public ProcessorType? Type { get; set; }

    /// <summary>Lambda: the function, as a name, a partial or full ARN, with an optional <c>:alias</c> or <c>:version</c>. Required.</summary>
    public string? LambdaArn { get; set; }

    /// <summary>Http: where events are POSTed, an absolute http or https URL. Required.</summary>
    public Uri? Url { get; set; }

    /// <summary>Http: extra request headers (an authorization token, say). Default none.</summary>
    public Dictionary<string, string>? Headers { get; set; }

    /// <summary>Http: the largest response body read; a larger one fails the invocation. Default 6 MiB; 1 KiB to 256 MiB.</summary>
    [Range(1024, 256L * 1024 * 1024)]
    public long MaxResponseBytes { get; set; } = 6L * 1024 * 1024;

    /// <summary>Plugin: the plugin's directory (its build or publish output). Required.</summary>
    public string? Directory { get; set; }

    /// <summary>Plugin: the assembly file in <see cref="Directory"/>. Default: the one with a <c>.deps.json</c>.</summary>
    public string? AssemblyFile { get; set; }

    /// <summary>Plugin: the full name of the <see cref="IRecordTransform"/> class. Default: the only one in the assembly.</summary>
    public string? TypeName { get; set; }

    /// <summary>Plugin: string settings handed to the transform's constructor. Default none.</summary>
    public Dictionary<string, string>? Settings { get; set; }

    /// <summary>Lambda, Http, Plugin: retries of a failed invocation before its records go to the backup bucket. Default 3; 0 to 300.</summary>
    [Range(0, 300)]
    public int NumberOfRetries { get; set; } = 3;

    /// <summary>
    /// Lambda, Http, Plugin: record bytes per invocation. Default 1; 0.2 to 3 for Lambda and Http (Lambda's 6 MB payload
    /// limit), 0.2 to 128 for plugins.
    /// </summary>
    public double? BufferSizeInMBs { get; set; }

    /// <summary>
    /// Lambda, Http, Plugin: accepted for Firehose compatibility, 0 to 900, default 60. Delivery transforms records when
    /// their batch is cut, so the pipeline's Buffering:IntervalInSeconds is what bounds their wait.
    /// </summary>
    [Range(0, 900)]
    public int BufferIntervalInSeconds { get; set; } = 60;

    /// <summary>Lambda, Http, Plugin: how long one invocation may take. Default 300 (Lambda, Plugin) or 60 (Http); 1 to 900.</summary>
    [Range(1, 900)]
    public int? TimeoutSeconds { get; set; }

    /// <summary>Lambda, Http, Plugin: invocations of one batch running at once. Default 4; 1 to 64.</summary>
    [Range(1, 64)]
    public int MaxConcurrentInvocations { get; set; } = 4;

    /// <summary>RecordDeAggregation: <c>Json</c> or <c>Delimited</c>. Required.</summary>
    public SubRecordType? SubRecordType { get; set; }

    /// <summary>
    /// RecordDeAggregation with Delimited: what separates records. AppendDelimiterToRecord: what is appended. Default
    /// "\n"; 1 to 64 UTF-8 bytes, written as plain text (Firehose's API takes it base64-encoded).
    /// </summary>
    public string? Delimiter { get; set; }

    /// <summary>Decompression: <c>Gzip</c>, the only format. Default Gzip.</summary>
    public DecompressionFormat? CompressionFormat { get; set; }

    /// <summary>CloudWatchLogProcessing: one record per log event, holding its message. Default true.</summary>
    public bool? DataMessageExtraction { get; set; }

    /// <summary>MetadataExtraction: the JQ query, such as <c>{customer_id: .customer_id}</c>. Required; docs/processing.md ("Metadata extraction queries") lists the supported subset.</summary>
    public string? MetadataExtractionQuery { get; set; }

    /// <summary>MetadataExtraction: <c>JQ-1.6</c>, the only engine. Default JQ-1.6.</summary>
    public string? JsonParsingEngine { get; set; }

    public bool IsInvocation => Type is ProcessorType.Lambda or ProcessorType.Http or ProcessorType.Plugin;

    /// <summary>The buffer size in effect: <see cref="BufferSizeInMBs"/> or 1 MB.</summary>
    public long BufferSizeBytes => (long)((BufferSizeInMBs ?? 1) * 1024 * 1024);

    /// <summary>The timeout in effect: <see cref="TimeoutSeconds"/> or the type's default.</summary>
    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds ?? (Type == ProcessorType.Http ? 60 : 300));

    /// <summary>The delimiter in effect, as bytes.</summary>
    public byte[] DelimiterBytes => Encoding.UTF8.GetBytes(Delimiter ?? "\n");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Type is not { } type)
        {
            yield break;
        }

        foreach (ValidationResult problem in Misplaced(type))
        {
            yield return problem;
        }

        switch (type)
        {
            case ProcessorType.Lambda when string.IsNullOrWhiteSpace(LambdaArn):
                yield return Problem("is required for a Lambda processor: the function name or ARN.", nameof(LambdaArn));
                break;
            case ProcessorType.Lambda when !FunctionName().IsMatch(LambdaArn):
                yield return Problem($"'{LambdaArn}' is not a Lambda function name or ARN (such as arn:aws:lambda:us-east-1:123456789012:function:my-transform).", nameof(LambdaArn));
                break;
            case ProcessorType.Http when Url is null:
                yield return Problem("is required for an Http processor: the URL events are POSTed to.", nameof(Url));
                break;
            case ProcessorType.Http when !Url.IsAbsoluteUri || (Url.Scheme != Uri.UriSchemeHttp && Url.Scheme != Uri.UriSchemeHttps):
                yield return Problem($"'{Url.OriginalString}' must be an absolute http:// or https:// URL.", nameof(Url));
                break;
            case ProcessorType.Plugin when string.IsNullOrWhiteSpace(Directory):
                yield return Problem("is required for a Plugin processor: the directory holding the plugin's assembly.", nameof(Directory));
                break;
            case ProcessorType.Plugin when !System.IO.Directory.Exists(Directory):
                yield return Problem($"'{Directory}' does not exist.", nameof(Directory));
                break;
            case ProcessorType.RecordDeAggregation when SubRecordType is null:
                yield return Problem("is required for RecordDeAggregation: Json or Delimited.", nameof(SubRecordType));
                break;
            case ProcessorType.RecordDeAggregation when SubRecordType == BuiltIn.SubRecordType.Json && Delimiter is not null:
                yield return Problem("applies to Delimited de-aggregation only.", nameof(Delimiter));
                break;
            case ProcessorType.MetadataExtraction when string.IsNullOrWhiteSpace(MetadataExtractionQuery):
                yield return Problem("is required for MetadataExtraction, such as {customer_id: .customer_id}.", nameof(MetadataExtractionQuery));
                break;
            case ProcessorType.MetadataExtraction when !JqQuery.TryParse(MetadataExtractionQuery, out _, out string? queryError):
                yield return Problem($"'{MetadataExtractionQuery}' is not a supported query: {queryError}.", nameof(MetadataExtractionQuery));
                break;
            case ProcessorType.MetadataExtraction when JsonParsingEngine is not (null or "JQ-1.6"):
                yield return Problem($"'{JsonParsingEngine}' is not supported; the engine is JQ-1.6.", nameof(JsonParsingEngine));
                break;
        }

        if (IsInvocation && BufferSizeInMBs is { } size)
        {
            double max = type == ProcessorType.Plugin ? MaxPluginBufferSizeInMBs : MaxContractBufferSizeInMBs;
            if (size < 0.2 || size > max)
            {
                yield return Problem($"value '{size}' is out of range: {type} processors take 0.2 to {max} MB.", nameof(BufferSizeInMBs));
            }
        }

        if (Delimiter is not null && (Delimiter.Length == 0 || Encoding.UTF8.GetByteCount(Delimiter) > 64))
        {
            yield return Problem("must be 1 to 64 UTF-8 bytes.", nameof(Delimiter));
        }
    }

    // Nullable parameters are set only when configured, so one set for another type is a mistake worth reporting.
    private IEnumerable<ValidationResult> Misplaced(ProcessorType type)
    {
        (string Name, bool IsSet, bool Applies)[] parameters =
        [
            (nameof(LambdaArn), LambdaArn is not null, type == ProcessorType.Lambda),
            (nameof(Url), Url is not null, type == ProcessorType.Http),
            (nameof(Headers), Headers is not null, type == ProcessorType.Http),
            (nameof(Directory), Directory is not null, type == ProcessorType.Plugin),
            (nameof(AssemblyFile), AssemblyFile is not null, type == ProcessorType.Plugin),
            (nameof(TypeName), TypeName is not null, type == ProcessorType.Plugin),
            (nameof(Settings), Settings is not null, type == ProcessorType.Plugin),
            (nameof(BufferSizeInMBs), BufferSizeInMBs is not null, IsInvocation),
            (nameof(TimeoutSeconds), TimeoutSeconds is not null, IsInvocation),
            (nameof(SubRecordType), SubRecordType is not null, type == ProcessorType.RecordDeAggregation),
            (nameof(Delimiter), Delimiter is not null, type is ProcessorType.RecordDeAggregation or ProcessorType.AppendDelimiterToRecord),
            (nameof(CompressionFormat), CompressionFormat is not null, type == ProcessorType.Decompression),
            (nameof(DataMessageExtraction), DataMessageExtraction is not null, type == ProcessorType.CloudWatchLogProcessing),
            (nameof(MetadataExtractionQuery), MetadataExtractionQuery is not null, type == ProcessorType.MetadataExtraction),
            (nameof(JsonParsingEngine), JsonParsingEngine is not null, type == ProcessorType.MetadataExtraction),
        ];
        foreach ((string name, bool isSet, bool applies) in parameters)
        {
            if (isSet && !applies)
            {
                yield return Problem($"does not apply to a {type} processor.", name);
            }
        }
    }

    private static ValidationResult Problem(string message, string member) => new(message, [member]);

    // Name, partial ARN (account:function:name) or full ARN, each with an optional version or alias.
    [GeneratedRegex(@"^(arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:|\d{12}:function:)?[a-zA-Z0-9_-]{1,64}(:(\$LATEST|[a-zA-Z0-9_-]{1,128}))?$")]
    private static partial Regex FunctionName();
}

/// <summary>The formats the Decompression processor reads.</summary>
public enum DecompressionFormat
{
    /// <summary>gzip (RFC 1952), as CloudWatch Logs subscriptions deliver.</summary>
    Gzip,
}
