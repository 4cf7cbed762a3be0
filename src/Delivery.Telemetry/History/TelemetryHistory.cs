using System.Collections.Concurrent;

namespace Delivery.Telemetry.History;

/// <summary>
/// The last hour (<see cref="Span"/>) of every pipeline's DataFreshness and record rates, sampled every
/// <see cref="Interval"/> on the metrics' clock and kept in memory in a fixed ring per pipeline, for the dashboard.
/// A metrics backend keeps the long history; this lets an operator see the recent trend with nothing else running.
/// </summary>
public sealed class TelemetryHistory : IDisposable
{
    /// <summary>How far back the history reaches by default.</summary>
    public static readonly TimeSpan DefaultSpan = TimeSpan.FromHours(1);

    private readonly DeliveryMetrics _metrics;
    private readonly ConcurrentDictionary<string, PipelineHistory> _pipelines = new(StringComparer.Ordinal);
    private readonly Lock _sampling = new();
    private ITimer? _timer;

    /// <param name="metrics">The pipelines to sample, and the clock.</param>
    /// <param name="interval">Time between samples; at least one second and at most <paramref name="span"/>.</param>
    /// <param name="span">How far back to keep samples; default one hour.</param>
    public TelemetryHistory(DeliveryMetrics metrics, TimeSpan interval, TimeSpan? span = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        Span = span ?? DefaultSpan;
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.FromSeconds(1));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(interval, Span);
        _metrics = metrics;
        Interval = interval;
        Capacity = (int)Math.Ceiling(Span / interval);
    }

    public TimeSpan Interval { get; }

    public TimeSpan Span { get; }

    /// <summary>Samples kept per pipeline: <see cref="Span"/> divided by <see cref="Interval"/>, rounded up.</summary>
    public int Capacity { get; }

    /// <summary>Starts sampling every <see cref="Interval"/>; a second call does nothing.</summary>
    public void Start()
    {
        lock (_sampling)
        {
            _timer ??= _metrics.TimeProvider.CreateTimer(static state => ((TelemetryHistory)state!).Sample(), this, Interval, Interval);
        }
    }

    /// <summary>The samples of one pipeline, oldest first; empty for a pipeline not sampled yet.</summary>
    public IReadOnlyList<PipelineSample> For(string pipeline) =>
        _pipelines.TryGetValue(pipeline, out PipelineHistory? history) ? history.Samples.ToArray() : [];

    /// <summary>
    /// Takes one sample of every pipeline. Rates are over the time since the previous sample, or for a pipeline's first
    /// sample since its telemetry was created (with every count at zero).
    /// </summary>
    public void Sample()
    {
        lock (_sampling)
        {
            DateTimeOffset now = _metrics.TimeProvider.GetUtcNow();
            foreach ((string name, PipelineTelemetry telemetry) in _metrics.Pipelines)
            {
                PipelineCounts counts = telemetry.Counts;
                PipelineHistory history = _pipelines.GetOrAdd(name, static (_, state) => new PipelineHistory(new SampleRing<PipelineSample>(state.Capacity), state.telemetry.CreatedAt, default), (Capacity, telemetry));
                double seconds = (now - history.LastAt).TotalSeconds;
                if (seconds <= 0)
                {
                    continue;
                }

                history.Samples.Add(new PipelineSample(
                    now,
                    telemetry.DataFreshness()?.TotalSeconds,
                    (counts.IncomingRecords - history.LastCounts.IncomingRecords) / seconds,
                    (counts.DeliveredRecords - history.LastCounts.DeliveredRecords) / seconds));
                history.LastAt = now;
                history.LastCounts = counts;
            }
        }
    }

    public void Dispose()
    {
        lock (_sampling)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    private sealed class PipelineHistory(SampleRing<PipelineSample> samples, DateTimeOffset lastAt, PipelineCounts lastCounts)
    {
        public SampleRing<PipelineSample> Samples { get; } = samples;

        public DateTimeOffset LastAt { get; set; } = lastAt;

        public PipelineCounts LastCounts { get; set; } = lastCounts;
    }
}
