using System.ComponentModel.DataAnnotations;

namespace Delivery.Kinesis.Client;

/// <summary>Endpoint, signing region and retry behaviour of <see cref="KinesisClient"/>.</summary>
public sealed class KinesisClientOptions
{
    /// <summary>The region requests are signed for and, without <see cref="ServiceUrl"/>, sent to. Default <c>us-east-1</c>.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Region { get; set; } = "us-east-1";

    /// <summary>Endpoint override (LocalStack, kinesalite). Default null: <c>https://kinesis.{Region}.amazonaws.com</c>.</summary>
    public Uri? ServiceUrl { get; set; }

    /// <summary>
    /// How many times a throttled, timed-out or failed (5xx, network) call is retried. Default 3, like the SDK's standard
    /// retry mode; 0 to 10.
    /// </summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first backoff delay; later ones double, with jitter. Default 200 ms; 0 to 10 s (0 for tests).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest backoff delay. Default 20 s, as in the SDK's standard mode; 0 to 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long one attempt may take, response body included, before it counts as a timeout and is retried.
    /// Default 30 s (GetRecords can return 10 MiB); 1 s to 5 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The endpoint requests go to: <see cref="ServiceUrl"/> or the regional AWS endpoint.</summary>
    public Uri ResolveEndpoint() =>
        ServiceUrl ?? new Uri(Region.StartsWith("cn-", StringComparison.Ordinal)
            ? $"https://kinesis.{Region}.amazonaws.com.cn"
            : $"https://kinesis.{Region}.amazonaws.com");
}
