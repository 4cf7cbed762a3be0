using System.ComponentModel.DataAnnotations;
using Delivery.Aws;
using Delivery.DirectPut;
using Delivery.Worker.Health;
using Delivery.Worker.Telemetry;

namespace Delivery.Worker.Configuration;

/// <summary>The worker's configuration: the <c>Delivery</c> section of appsettings.json and <c>Delivery__*</c> variables.</summary>
public sealed class DeliveryOptions
{
    public const string SectionName = "Delivery";

    /// <summary>
    /// The start of this worker's id in lease tables (default: the host name). A random suffix is always added, new for
    /// every process, so a restarted worker never mistakes an old tenure's leases for its own and two tasks given the
    /// same id never both read a shard.
    /// </summary>
    [StringLength(256, MinimumLength = 1)]
    public string? WorkerId { get; set; }

    /// <summary>
    /// Seconds SIGTERM may take: stop reading, deliver, checkpoint, release leases. Default 25 (ECS stopTimeout is 30 by
    /// default; keep this below it); 1 to 3600.
    /// </summary>
    [Range(1, 3600)]
    public int ShutdownGracePeriodSeconds { get; set; } = 25;

    /// <summary>
    /// MiB of records the worker holds at most, across all pipelines: the pages of buffered and in-flight batches
    /// (<see cref="RecordPage.MemoryBytes"/>), the next page of each reader with its GetRecords answer, and what
    /// processors make of a batch while it is written. Readers wait before reading when it is spent. Default 512; 16 to
    /// 1048576.
    /// </summary>
    [Range(16, 1048576)]
    public int MemoryBudgetMiB { get; set; } = 512;

    /// <summary>Region, credentials chain and endpoint overrides shared by every pipeline.</summary>
    [Required]
    public AwsOptions Aws { get; set; } = new();

    /// <summary>The pipelines, by name. The name appears in object names, so it is 1-64 letters, digits, '_', '.', '-'.</summary>
    [Required]
    public Dictionary<string, PipelineOptions> Pipelines { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Health, readiness and status endpoints (default on port 8080 of 127.0.0.1).</summary>
    [Required]
    public HealthOptions Health { get; set; } = new();

    /// <summary>Metrics export: CloudWatch EMF lines on stdout (default on) and OTLP (off until an endpoint is set).</summary>
    [Required]
    public TelemetryOptions Telemetry { get; set; } = new();

    /// <summary>The Direct PUT listener (the Firehose API for producers); off by default.</summary>
    [Required]
    public DirectPutOptions DirectPut { get; set; } = new();

    public TimeSpan ShutdownGracePeriod => TimeSpan.FromSeconds(ShutdownGracePeriodSeconds);
}
