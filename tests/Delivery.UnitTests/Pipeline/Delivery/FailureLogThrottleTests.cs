using Delivery.Pipeline.Delivery;
using Delivery.Testing;

namespace Delivery.UnitTests.Pipeline.Delivery;

public sealed class FailureLogThrottleTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FailureLogThrottle _throttle;

    public FailureLogThrottleTests()
    {
        _throttle = new FailureLogThrottle(_time, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void TheFirstFailure_IsLoggedInFull_AndTheNextOnesWithinAMinuteAreCounted()
    {
        _throttle.Failed("s3", "shard-1").Action.ShouldBe(FailureLogAction.LogFirst);
        _time.Advance(TimeSpan.FromSeconds(1));
        _throttle.Failed("s3", "shard-2").Action.ShouldBe(FailureLogAction.Count);
        _time.Advance(TimeSpan.FromSeconds(58));
        _throttle.Failed("s3", "shard-1").Action.ShouldBe(FailureLogAction.Count);
    }

    [Fact]
    public void AFailureAMinuteAfterTheLastLine_LogsASummary_OfEveryAttemptAndShardSinceThatLine()
    {
        DateTimeOffset start = _time.GetUtcNow();
        _throttle.Failed("s3", "shard-1");
        _time.Advance(TimeSpan.FromSeconds(2));
        DateTimeOffset firstCounted = _time.GetUtcNow();
        for (int i = 0; i < 20; i++)
        {
            _throttle.Failed("s3", "shard-" + (i % 4)).Action.ShouldBe(FailureLogAction.Count);
            _time.Advance(TimeSpan.FromSeconds(2));
        }

        _time.GetUtcNow().ShouldBe(start + TimeSpan.FromSeconds(42));
        _time.Advance(TimeSpan.FromSeconds(18));
        _throttle.Failed("s3", "shard-9").ShouldBe(new FailureLogDecision(FailureLogAction.LogSummary, Attempts: 21, Shards: 5, Since: firstCounted));

        _time.Advance(TimeSpan.FromSeconds(30));
        _throttle.Failed("s3", "shard-1").Action.ShouldBe(FailureLogAction.Count, "the summary starts the next minute");
        _time.Advance(TimeSpan.FromSeconds(30));
        _throttle.Failed("s3", "shard-1").ShouldBe(new FailureLogDecision(FailureLogAction.LogSummary, 2, 1, start + TimeSpan.FromSeconds(90)));
    }

    [Fact]
    public void ATargetRetriedAMinuteApart_IsSummarisedFromItsSecondFailureOn()
    {
        DateTimeOffset start = _time.GetUtcNow();
        _throttle.Failed("s3", "shard-1").Action.ShouldBe(FailureLogAction.LogFirst);
        for (int minute = 1; minute <= 3; minute++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            _throttle.Failed("s3", "shard-1").ShouldBe(new FailureLogDecision(FailureLogAction.LogSummary, 1, 1, start + TimeSpan.FromMinutes(minute)));
        }
    }

    [Fact]
    public void TargetsAreThrottledApart()
    {
        _throttle.Failed("s3", "shard-1").Action.ShouldBe(FailureLogAction.LogFirst);
        _throttle.Failed("backup bucket (processing-failed)", "shard-1").Action.ShouldBe(FailureLogAction.LogFirst);
    }

    [Fact]
    public void TheRecovery_IsReportedOnce_WithEveryFailedAttemptSinceTheFirst()
    {
        DateTimeOffset since = _time.GetUtcNow();
        _throttle.Failed("s3", "shard-1");
        for (int i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(30));
            _throttle.Failed("s3", "shard-1");
        }

        _throttle.Succeeded("s3").ShouldBe(new FailureRecovery(6, since));
        _throttle.Succeeded("s3").ShouldBeNull("the target is delivering already");
        _throttle.Succeeded("http_endpoint").ShouldBeNull("it never failed");
    }

    [Fact]
    public void AFlappingTarget_WritesNoMoreThanOneFailureLineAMinute_AndARecoveryOnlyAfterALoggedFailure()
    {
        int lines = 0;
        for (int i = 0; i < 120; i++)
        {
            if (_throttle.Failed("s3", "shard-1").Action != FailureLogAction.Count)
            {
                lines++;
            }

            if (_throttle.Succeeded("s3") is not null)
            {
                lines++;
            }

            _time.Advance(TimeSpan.FromSeconds(1));
        }

        lines.ShouldBe(4, "two minutes of failing every second: a failure and its recovery in each minute");
    }

    [Fact]
    public void AFailureAfterAQuietMinute_IsLoggedInFullAgain()
    {
        _throttle.Failed("s3", "shard-1");
        _throttle.Succeeded("s3");
        _time.Advance(TimeSpan.FromMinutes(5));

        _throttle.Failed("s3", "shard-1").Action.ShouldBe(FailureLogAction.LogFirst);
    }
}
