using System.ComponentModel.DataAnnotations;

namespace Delivery.Destinations.Splunk;

/// <summary>Which HTTP Event Collector endpoint records go to; Firehose's <c>HECEndpointType</c>.</summary>
public enum HecEndpointType
{
    /// <summary><c>/services/collector/raw</c>: the records' bytes, one record per line. Firehose's choice "in most cases".</summary>
    Raw,

    /// <summary><c>/services/collector/event</c>: HEC event objects (<c>{"event": ...}</c>), see <see cref="SplunkEventFormat"/>.</summary>
    Event,
}

/// <summary>What a record holds when it goes to the event endpoint.</summary>
public enum SplunkEventFormat
{
    /// <summary>
    /// One or more HEC event objects (<c>{"event": ..., "time": ..., "index": ...}</c>) per record, as a transform makes
    /// them for Firehose's event endpoint; they are sent as they are, as Firehose sends them.
    /// </summary>
    HecEvents,

    /// <summary>
    /// Each record becomes the event of one HEC event, <c>{"event": record}</c>: a record that is one JSON value as that
    /// value (an object stays an object), any other UTF-8 text as a string. Firehose has no such mode.
    /// </summary>
    WrapEachRecord,
}

/// <summary>What goes to the backup bucket besides what cannot be delivered; Firehose's <c>S3BackupMode</c> for Splunk.</summary>
public enum SplunkBackupMode
{
    /// <summary>Only records HEC refused, or did not acknowledge within the retry duration.</summary>
    FailedEventsOnly,

    /// <summary>Every source record as well, before transformation, under the backup prefix.</summary>
    AllEvents,
}

/// <summary>
/// Delivery to Splunk's HTTP Event Collector (HEC) with indexer acknowledgement, as Firehose's Splunk destination does
/// it. Bound from <c>Delivery:Pipelines:&lt;name&gt;:Splunk</c> and checked at start by
/// <see cref="SplunkDestinationOptionsValidator"/>.
/// </summary>
public sealed class SplunkDestinationOptions
{
    /// <summary>The largest buffer a Splunk pipeline may cut, in MiB (Firehose: 1-5).</summary>
    public const int MaxBufferSizeInMBs = 5;

    /// <summary>Firehose's limit on the HEC token: 2048 characters.</summary>
    public const int MaxTokenLength = 2048;

    /// <summary>
    /// The HEC base URL, such as <c>https://http-inputs-firehose-acme.splunkcloud.com:443</c> or
    /// <c>https://splunk.internal:8088</c>; <c>/services/collector/raw</c>, <c>/event</c> and <c>/ack</c> are added to
    /// its path. Required. https unless <see cref="AllowPlainHttp"/> is set; no query or user info.
    /// </summary>
    [Required]
    public Uri? HecEndpoint { get; set; }

    /// <summary>Default <see cref="Splunk.HecEndpointType.Raw"/>; Raw or Event.</summary>
    [EnumDataType(typeof(HecEndpointType))]
    public HecEndpointType HecEndpointType { get; set; } = HecEndpointType.Raw;

    /// <summary>With the event endpoint, what records hold. Default <see cref="SplunkEventFormat.HecEvents"/> (Firehose's behaviour).</summary>
    [EnumDataType(typeof(SplunkEventFormat))]
    public SplunkEventFormat EventFormat { get; set; } = SplunkEventFormat.HecEvents;

    /// <summary>
    /// The environment variable that holds the HEC token, sent as <c>Authorization: Splunk &lt;token&gt;</c>. Required.
    /// The token is a secret: it is read from the environment only, never from configuration, and never logged.
    /// </summary>
    [Required]
    [RegularExpression("^[A-Za-z_][A-Za-z0-9_]*$", ErrorMessage = "HecTokenVariable must be an environment variable name: letters, digits and '_', not starting with a digit.")]
    public string HecTokenVariable { get; set; } = "";

    /// <summary>
    /// How long to wait, from sending a request, for HEC to acknowledge it as indexed before it is sent again (or given
    /// up), in seconds. Default 180; 180 to 600, as in Firehose.
    /// </summary>
    [Range(180, 600)]
    public int HecAcknowledgmentTimeoutInSeconds { get; set; } = 180;

    /// <summary>
    /// How long a request is retried, counted from its first failure, before its records go to the backup bucket under
    /// <c>splunk-failed/</c>. An attempt started in time is waited on to its end. Default 300; 0 (one attempt) to 7200.
    /// </summary>
    [Range(0, 7200)]
    public int RetryDurationSeconds { get; set; } = 300;

    /// <summary>How long opening a connection (TCP and TLS) may take, in seconds. Default 10; 1 to 300.</summary>
    [Range(1, 300)]
    public int ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// Allows an http:// <see cref="HecEndpoint"/>. Default false: records and the token travel over TLS only. Meant for a
    /// collector on the same host or in the same task.
    /// </summary>
    public bool AllowPlainHttp { get; set; }

    /// <summary>Default <see cref="SplunkBackupMode.FailedEventsOnly"/>; FailedEventsOnly or AllEvents (needs the pipeline's Backup bucket).</summary>
    [EnumDataType(typeof(SplunkBackupMode))]
    public SplunkBackupMode S3BackupMode { get; set; } = SplunkBackupMode.FailedEventsOnly;

    /// <summary>The endpoint without user info or query: what logs and errors show.</summary>
    public string RedactedEndpoint() => HecEndpoint is null ? "(none)" : HecUrls.Safe(HecEndpoint);
}
