namespace Delivery.Destinations.Retrying;

/// <summary>
/// Firehose's backoff for HTTP endpoint and Redshift retries: 1 s, doubling with every retry, each wait moved by up to
/// ±15% at random so that many workers retrying one receiver do not knock in step, and never more than 2 minutes.
/// </summary>
public static class RetryBackoff
{
    public static readonly TimeSpan InitialDelay = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(2);

    public const double Jitter = 0.15;

    /// <summary>The wait before retry number <paramref name="retry"/> (0 for the first retry).</summary>
    /// <param name="retry">0-based count of retries made so far.</param>
    /// <param name="unitRandom">A value in [0, 1); 0.5 gives the wait without jitter.</param>
    public static TimeSpan Delay(int retry, double unitRandom)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(retry);

        // 2^7 s already exceeds the cap; clamping the exponent keeps the arithmetic far from overflow.
        double seconds = Math.Min(InitialDelay.TotalSeconds * Math.Pow(2, Math.Min(retry, 16)), MaxDelay.TotalSeconds);
        double jittered = seconds * (1 + (Jitter * ((2 * unitRandom) - 1)));
        return TimeSpan.FromSeconds(Math.Min(jittered, MaxDelay.TotalSeconds));
    }
}
