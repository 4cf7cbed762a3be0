namespace Delivery.Transforms.Contract;

/// <summary>How a transform stage groups records into invocations, and retries and times them out.</summary>
public sealed record InvocationSettings
{
    /// <summary>Record bytes (as they enter the stage) per invocation at most; one record always goes, whatever its size.</summary>
    public required long BufferSizeBytes { get; init; }

    /// <summary>The largest event the transport accepts; records that would exceed it go to the next invocation.</summary>
    public long MaxPayloadBytes { get; init; } = long.MaxValue;

    /// <summary>Retries of a failed invocation before its records fail (Firehose's NumberOfRetries).</summary>
    public required int NumberOfRetries { get; init; }

    /// <summary>How long one attempt may take.</summary>
    public required TimeSpan Timeout { get; init; }

    /// <summary>Invocations of one batch that run at the same time.</summary>
    public int MaxConcurrentInvocations { get; init; } = 4;

    /// <summary>The wait before the first retry; it doubles for each further retry (with jitter), up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);
}
