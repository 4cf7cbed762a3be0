namespace Delivery.Telemetry;

/// <summary>What this worker saw of one shard lately; written by the reader and the pipeline, read by the status page.</summary>
public sealed class ShardActivity
{
    private long _millisBehindLatest = -1;
    private long _lastReadTicks = -1;
    private long _lastDeliveryTicks = -1;
    private ActivityError? _lastError;

    /// <summary>True while this worker reads the shard.</summary>
    public bool IsReading { get; internal set; }

    /// <summary>MillisBehindLatest of the last GetRecords answer; null before the first.</summary>
    public long? MillisBehindLatest
    {
        get
        {
            long value = Interlocked.Read(ref _millisBehindLatest);
            return value < 0 ? null : value;
        }

        internal set => Interlocked.Exchange(ref _millisBehindLatest, value ?? -1);
    }

    public DateTimeOffset? LastReadAt
    {
        get => Read(ref _lastReadTicks);
        internal set => Write(ref _lastReadTicks, value);
    }

    /// <summary>When a batch of the shard was last delivered.</summary>
    public DateTimeOffset? LastDeliveryAt
    {
        get => Read(ref _lastDeliveryTicks);
        internal set => Write(ref _lastDeliveryTicks, value);
    }

    /// <summary>The last failure seen for the shard (read throttled, delivery attempt failed), even if it has passed since.</summary>
    public ActivityError? LastError
    {
        get => Volatile.Read(ref _lastError);
        internal set => Volatile.Write(ref _lastError, value);
    }

    // Times are kept as UTC ticks so that a reader on another thread never sees half of one.
    private static DateTimeOffset? Read(ref long ticks)
    {
        long value = Interlocked.Read(ref ticks);
        return value < 0 ? null : new DateTimeOffset(value, TimeSpan.Zero);
    }

    private static void Write(ref long ticks, DateTimeOffset? value) => Interlocked.Exchange(ref ticks, value?.UtcTicks ?? -1);
}

/// <summary>A failure, when it happened, and its Firehose-style error code.</summary>
public sealed record ActivityError(DateTimeOffset At, string ErrorCode, string Message);
