namespace Delivery.Destinations.Splunk;

/// <summary>
/// When to ask HEC again whether a request is indexed: 1 s after it was accepted, then twice as long each time up to
/// 10 s apart, Splunk's recommended query interval. Acknowledgements of small requests come back within seconds and are
/// seen soon; a slow indexer is asked at most every 10 s per request.
/// </summary>
public static class AckPolling
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    /// <summary>How long one acknowledgement query may take before it counts as unanswered.</summary>
    public static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The wait before query number <paramref name="query"/> (0 for the first).</summary>
    public static TimeSpan Delay(int query)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(query);

        // 2^4 s is past the cap already; clamping the exponent keeps the arithmetic far from overflow.
        TimeSpan delay = FirstDelay * Math.Pow(2, Math.Min(query, 8));
        return delay < MaxDelay ? delay : MaxDelay;
    }
}
