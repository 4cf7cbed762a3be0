using System.ComponentModel.DataAnnotations;

namespace Delivery.Worker.Telemetry;

/// <summary>Where the <c>Delivery</c> meter's measurements go. Bound from <c>Delivery:Telemetry</c>.</summary>
public sealed class TelemetryOptions
{
    /// <summary>CloudWatch Embedded Metric Format lines on stdout: metrics reach CloudWatch from ECS with no agent.</summary>
    [Required]
    public EmfOptions Emf { get; set; } = new();

    /// <summary>OpenTelemetry export over OTLP, to a collector or any backend that speaks it.</summary>
    [Required]
    public OtlpOptions Otlp { get; set; } = new();
}

/// <summary>CloudWatch Embedded Metric Format output.</summary>
public sealed class EmfOptions : IValidatableObject
{
    /// <summary>Write one EMF line per pipeline and interval to stdout. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Seconds each line covers (counters are per interval). Default 60, CloudWatch's standard resolution; 1 to 3600.</summary>
    [Range(1, 3600)]
    public int IntervalSeconds { get; set; } = 60;

    /// <summary>CloudWatch namespace. Default "Delivery" ("AWS/Firehose" is reserved for AWS); 1 to 255 characters.</summary>
    [Required]
    [StringLength(255, MinimumLength = 1)]
    public string Namespace { get; set; } = "Delivery";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Namespace.StartsWith("AWS/", StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult($"value '{Namespace}' is invalid: namespaces starting with AWS/ are reserved for AWS services.", [nameof(Namespace)]);
        }
    }
}

/// <summary>OTLP protocol of the exporter.</summary>
public enum OtlpProtocol
{
    /// <summary>gRPC, usually port 4317.</summary>
    Grpc,

    /// <summary>HTTP with protobuf bodies, usually port 4318 (path /v1/metrics is added when the URL has none).</summary>
    HttpProtobuf,
}

/// <summary>OpenTelemetry OTLP metric export.</summary>
public sealed class OtlpOptions : IValidatableObject
{
    /// <summary>
    /// Collector URL, such as http://localhost:4317. Default none: no OTLP export. Headers (API keys) come from the
    /// standard OTEL_EXPORTER_OTLP_HEADERS variable, never from configuration files.
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>Default Grpc; Grpc or HttpProtobuf.</summary>
    [EnumDataType(typeof(OtlpProtocol))]
    public OtlpProtocol Protocol { get; set; } = OtlpProtocol.Grpc;

    /// <summary>Seconds between exports. Default 60; 1 to 3600.</summary>
    [Range(1, 3600)]
    public int IntervalSeconds { get; set; } = 60;

    /// <summary>The service.name resource attribute. Default "delivery".</summary>
    [Required]
    [StringLength(255, MinimumLength = 1)]
    public string ServiceName { get; set; } = "delivery";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Endpoint is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult($"value '{url.OriginalString}' is invalid: it must be an absolute http:// or https:// URL, such as http://localhost:4317.", [nameof(Endpoint)]);
        }
    }
}
