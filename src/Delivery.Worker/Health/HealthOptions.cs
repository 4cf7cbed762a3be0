using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Delivery.Worker.Health;

/// <summary>
/// The HTTP endpoints an orchestrator and an operator ask: <c>/health/live</c>, <c>/health/ready</c>, <c>/status</c> and
/// the dashboard at <c>/</c>. Bound from <c>Delivery:Health</c>.
/// </summary>
public sealed class HealthOptions : IValidatableObject
{
    /// <summary>Serve the endpoints. Default true; false serves nothing (and the <c>health</c> verb then cannot check).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>TCP port. Default 8080; 1 to 65535, or 0 for any free port (the port chosen is logged).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 8080;

    /// <summary>
    /// IP address to listen on. Default 127.0.0.1, which is enough for container health checks; the container image
    /// sets 0.0.0.0 so that the status page can be reached from outside the container where the network allows it.
    /// </summary>
    [Required]
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// Seconds between the samples of DataFreshness and records per second that the worker keeps for the last hour,
    /// for the dashboard's charts. Default 10 (360 samples per pipeline); 1 to 600.
    /// </summary>
    [Range(1, 600)]
    public int HistorySampleSeconds { get; set; } = 10;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IPAddress.TryParse(ListenAddress, out _))
        {
            yield return new ValidationResult($"value '{ListenAddress}' is not an IP address; use 127.0.0.1 (this host only) or 0.0.0.0 (every interface).", [nameof(ListenAddress)]);
        }
    }
}
