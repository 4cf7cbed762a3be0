using Delivery.Telemetry;
using Delivery.Telemetry.History;
using Delivery.Testing;

namespace Delivery.UnitTests.Telemetry.History;

/// <summary>The dashboard's last hour, sampled on a fake clock from a pipeline whose every event is known.</summary>
public sealed class TelemetryHistoryTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private readonly TimerCountingFakeTimeProvider _time = new();
    private readonly DeliveryMetrics _metrics;
    private readonly PipelineTelemetry _pipeline;
    private readonly TelemetryHistory _history;
    private DateTimeOffset? _oldestUndelivered;

    public TelemetryHistoryTests()
    {
        _metrics = new DeliveryMetrics(_time);
        _pipeline = _metrics.ForPipeline("clicks");
        _pipeline.TrackFreshness("s3", () => _oldestUndelivered);
        _history = new TelemetryHistory(_metrics, Interval);
    }

    [Fact]
    public void EachSample_HoldsTheRatesSinceThePreviousOne_AndTheFreshnessAtItsTime()
    {
        _history.Start();
        DateTimeOffset start = _time.GetUtcNow();

        _pipeline.RecordsIncoming(300, 30_000);
        _oldestUndelivered = start;
        _time.Advance(TimeSpan.FromSeconds(4));
        _pipeline.BatchDelivered("s3", "shardId-0", 100, 10_000);
        _time.Advance(TimeSpan.FromSeconds(6));

        _pipeline.RecordsIncoming(50, 5_000);
        _pipeline.BatchDelivered("s3", "shardId-0", 250, 25_000);
        _oldestUndelivered = null;
        _time.Advance(Interval);

        _history.For("clicks").ShouldBe(
        [
            new PipelineSample(start + Interval, 10, IncomingRecordsPerSecond: 30, DeliveredRecordsPerSecond: 10),
            new PipelineSample(start + (2 * Interval), 0, IncomingRecordsPerSecond: 5, DeliveredRecordsPerSecond: 25),
        ]);
    }

    [Fact]
    public void APipelineCreatedBetweenSamples_HasItsFirstRates_OverTheTimeSinceItWasCreated()
    {
        _history.Start();
        _time.Advance(TimeSpan.FromSeconds(6));
        PipelineTelemetry late = _metrics.ForPipeline("late");
        late.RecordsIncoming(40, 400);

        _time.Advance(TimeSpan.FromSeconds(4));

        PipelineSample sample = _history.For("late").ShouldHaveSingleItem();
        sample.IncomingRecordsPerSecond.ShouldBe(10, "40 records in the 4 s since the pipeline was created");
        sample.DataFreshnessSeconds.ShouldBeNull("this pipeline does not track freshness");
    }

    [Fact]
    public void AfterAnHour_TheHistoryStaysAnHourLong_DroppingTheOldestSamples()
    {
        _history.Start();
        DateTimeOffset start = _time.GetUtcNow();

        for (int i = 0; i < 500; i++)
        {
            _pipeline.RecordsIncoming(i, i);
            _time.Advance(Interval);
        }

        IReadOnlyList<PipelineSample> samples = _history.For("clicks");
        _history.Capacity.ShouldBe(360);
        samples.Count.ShouldBe(360);
        samples[^1].At.ShouldBe(start + (500 * Interval));
        samples[0].At.ShouldBe(start + (141 * Interval), "the oldest kept is an hour before the newest, give or take a sample");
        samples[^1].IncomingRecordsPerSecond.ShouldBe(49.9);
        samples.Select(sample => sample.At).ShouldBeInOrder();
    }

    [Fact]
    public void NothingIsSampled_BeforeStart_OrAfterDispose()
    {
        _time.Advance(TimeSpan.FromMinutes(1));
        _history.For("clicks").ShouldBeEmpty();

        _history.Start();
        _history.Start();
        _time.Advance(Interval);
        _history.For("clicks").Count.ShouldBe(1, "a second Start does not add a second timer");

        _history.Dispose();
        _time.Advance(TimeSpan.FromMinutes(1));
        _history.For("clicks").Count.ShouldBe(1);
        _time.ActiveTimerCount.ShouldBe(0);
    }

    [Fact]
    public void AnUnknownPipeline_HasNoSamples() => _history.For("nobody").ShouldBeEmpty();

    [Theory]
    [InlineData(0.5, 3600)]
    [InlineData(3601, 3600)]
    public void AnIntervalBelowASecondOrAboveTheSpan_IsRefused(double intervalSeconds, double spanSeconds) =>
        Should.Throw<ArgumentOutOfRangeException>(() => new TelemetryHistory(_metrics, TimeSpan.FromSeconds(intervalSeconds), TimeSpan.FromSeconds(spanSeconds)));

    public void Dispose()
    {
        _history.Dispose();
        _metrics.Dispose();
    }
}
