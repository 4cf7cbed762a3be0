namespace Delivery.IntegrationTests.Destinations.Splunk;

/// <summary>
/// Real time, run <see cref="Factor"/> times faster: the clock and timestamps advance that much quicker and every
/// timer fires that much sooner. It lets a test over real HTTP see Splunk's acknowledgement timeout (at least 180 s) run
/// out in a few seconds, with the writer's waits, polls and backoffs in the same proportions as in production.
/// </summary>
internal sealed class FastClock(double factor) : TimeProvider
{
    private readonly long _origin = System.GetTimestamp();
    private readonly DateTimeOffset _start = System.GetUtcNow();

    public double Factor { get; } = factor;

    public override long TimestampFrequency => System.TimestampFrequency;

    public override long GetTimestamp() => _origin + (long)((System.GetTimestamp() - _origin) * Factor);

    public override DateTimeOffset GetUtcNow() => _start + (System.GetElapsedTime(_origin) * Factor);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new Scaled(System.CreateTimer(callback, state, Shrink(dueTime), Shrink(period)), this);

    private TimeSpan Shrink(TimeSpan span) => span == Timeout.InfiniteTimeSpan || span <= TimeSpan.Zero ? span : span / Factor;

    private sealed class Scaled(ITimer timer, FastClock clock) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => timer.Change(clock.Shrink(dueTime), clock.Shrink(period));

        public void Dispose() => timer.Dispose();

        public ValueTask DisposeAsync() => timer.DisposeAsync();
    }
}
