using Delivery.Destinations.Retrying;

namespace Delivery.UnitTests.Destinations.Retrying;

public sealed class RetryBackoffTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(6, 64)]
    [InlineData(7, 120)]
    [InlineData(40, 120)]
    public void WithoutJitter_TheWaitDoublesFromOneSecond_UpToTwoMinutes(int retry, double seconds)
    {
        RetryBackoff.Delay(retry, 0.5).ShouldBe(TimeSpan.FromSeconds(seconds));
    }

    [Fact]
    public void Jitter_MovesTheWaitByAtMostFifteenPercent_AndNeverPastTheCap()
    {
        RetryBackoff.Delay(2, 0).ShouldBe(TimeSpan.FromSeconds(4 * 0.85));
        RetryBackoff.Delay(2, 0.999999).TotalSeconds.ShouldBe(4 * 1.15, 0.0001);
        RetryBackoff.Delay(10, 0.999999).ShouldBe(TimeSpan.FromMinutes(2));
        RetryBackoff.Delay(10, 0).ShouldBe(TimeSpan.FromSeconds(102));
    }
}
