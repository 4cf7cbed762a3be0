using System.ComponentModel.DataAnnotations;
using Delivery.Destinations.Http.Presets;

namespace Delivery.Destinations.Http;

/// <summary>Whether the request body is compressed; Firehose's <c>ContentEncoding</c>.</summary>
public enum HttpContentEncoding
{
    /// <summary>Plain JSON; no Content-Encoding header.</summary>
    None,

    /// <summary>The JSON body is gzip-compressed and sent with <c>Content-Encoding: gzip</c>.</summary>
    Gzip,
}

/// <summary>What goes to the backup bucket besides what cannot be delivered; Firehose's <c>S3BackupMode</c> for HTTP endpoints.</summary>
public enum HttpBackupMode
{
    /// <summary>Only records that could not be delivered within the retry duration.</summary>
    FailedDataOnly,

    /// <summary>Every source record as well, before transformation, under the backup prefix.</summary>
    AllData,
}

/// <summary>
/// Delivery to an HTTP endpoint that implements the Firehose HTTP endpoint protocol: a partner service by its
/// <see cref="Preset"/> and <see cref="Site"/>, or any receiver by its <see cref="Url"/>. Bound from <c>Delivery:Pipelines:&lt;name&gt;:HttpEndpoint</c> and checked at start by
/// <see cref="HttpEndpointOptionsValidator"/>.
/// </summary>
public sealed class HttpEndpointOptions
{
    /// <summary>Firehose's limit on the access key: 4096 bytes.</summary>
    public const int MaxAccessKeyBytes = 4096;

    /// <summary>Firehose's limit on common attributes: 50.</summary>
    public const int MaxCommonAttributes = 50;

    /// <summary>The largest buffer an HTTP endpoint pipeline may cut, in MiB (Firehose: 1-64).</summary>
    public const int MaxBufferSizeInMBs = 64;

    /// <summary>
    /// Where requests are POSTed, sent as written (path and query included). Required unless <see cref="Preset"/> is
    /// set, and not allowed with it. https unless <see cref="AllowPlainHttp"/> is set.
    /// </summary>
    public Uri? Url { get; set; }

    /// <summary>
    /// A partner service whose published Firehose URL (picked by <see cref="Site"/>) and content encoding to use instead
    /// of <see cref="Url"/>; see <see cref="PartnerPresets"/>. Default none.
    /// </summary>
    [EnumDataType(typeof(HttpEndpointPreset))]
    public HttpEndpointPreset? Preset { get; set; }

    /// <summary>With <see cref="Preset"/>: the service's site or region (US1, EU...; a realm for Splunk Observability). Required with a preset.</summary>
    [MaxLength(64)]
    public string? Site { get; set; }

    /// <summary>With <see cref="HttpEndpointPreset.Honeycomb"/>: the dataset's slug, part of the URL. Not used otherwise.</summary>
    [MaxLength(255)]
    public string? Dataset { get; set; }

    /// <summary>
    /// Sent verbatim in <c>X-Amz-Firehose-Access-Key</c>; at most 4096 UTF-8 bytes. Default none (header omitted).
    /// A secret: pass it through an environment variable, never a file in the image. It is never logged.
    /// </summary>
    public string? AccessKey { get; set; }

    /// <summary>
    /// Up to 50 name/value pairs sent with every request in <c>X-Amz-Firehose-Common-Attributes</c> as
    /// <c>{"commonAttributes":{...}}</c>. Default none (header omitted).
    /// </summary>
    public Dictionary<string, string> CommonAttributes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>None or Gzip. Default: the preset's encoding with <see cref="Preset"/>, otherwise None; a value set here wins over the preset's.</summary>
    [EnumDataType(typeof(HttpContentEncoding))]
    public HttpContentEncoding? ContentEncoding { get; set; }

    /// <summary>
    /// How long a request is retried after its first attempt, in seconds, before its records go to the backup bucket
    /// under <c>http-endpoint-failed/</c>. Default 300; 0 (one attempt) to 7200.
    /// </summary>
    [Range(0, 7200)]
    public int RetryDurationSeconds { get; set; } = 300;

    /// <summary>How long one attempt may take, from sending to the end of the response, in seconds. Default 180 (as Firehose); 1 to 900.</summary>
    [Range(1, 900)]
    public int RequestTimeoutSeconds { get; set; } = 180;

    /// <summary>How long opening a connection (TCP and TLS) may take, in seconds. Default 10; 1 to 300.</summary>
    [Range(1, 300)]
    public int ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// Allows an http:// <see cref="Url"/>. Default false: records and the access key travel over TLS only. Meant for a
    /// receiver on the same host or in the same task.
    /// </summary>
    public bool AllowPlainHttp { get; set; }

    /// <summary>Default <see cref="HttpBackupMode.FailedDataOnly"/>; FailedDataOnly or AllData (needs the pipeline's Backup bucket).</summary>
    [EnumDataType(typeof(HttpBackupMode))]
    public HttpBackupMode S3BackupMode { get; set; } = HttpBackupMode.FailedDataOnly;

    /// <summary>
    /// Sent in <c>X-Amz-Firehose-Source-Arn</c>. Default <c>arn:aws:firehose:&lt;region&gt;:000000000000:deliverystream/&lt;pipeline&gt;</c>;
    /// set it when a receiver checks the account.
    /// </summary>
    [MaxLength(2048)]
    public string? SourceArn { get; set; }

    /// <summary>Where requests go: <see cref="Url"/>, or the preset's URL at <see cref="Site"/>; null when neither resolves.</summary>
    public Uri? EndpointUrl() => Url ?? (Preset is { } preset ? PartnerPresets.Resolve(preset, Site, Dataset).Url : null);

    /// <summary>The encoding requests are sent with: <see cref="ContentEncoding"/>, else the preset's, else None.</summary>
    public HttpContentEncoding EffectiveContentEncoding() =>
        ContentEncoding ?? (Url is null && Preset is { } preset ? PartnerPresets.Of(preset).ContentEncoding : HttpContentEncoding.None);

    /// <summary>The URL without user info or query, which may hold credentials: what logs and errors show.</summary>
    public string RedactedUrl() => EndpointUrl() is { } url ? HttpEndpointRequest.SafeUrl(url) : "(none)";
}
