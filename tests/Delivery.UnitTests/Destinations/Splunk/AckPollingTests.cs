using Delivery.Destinations.Splunk;

namespace Delivery.UnitTests.Destinations.Splunk;

public sealed class AckPollingTests
{
    [Fact]
    public void AcknowledgementsAreAskedFor_1sAfterSending_ThenTwiceAsLongEachTime_AtMost10sApart() =>
        Enumerable.Range(0, 8).Select(query => AckPolling.Delay(query).TotalSeconds).ShouldBe([1, 2, 4, 8, 10, 10, 10, 10]);

    [Fact]
    public void AVeryLongWait_StaysAt10s() => AckPolling.Delay(int.MaxValue).ShouldBe(AckPolling.MaxDelay);
}
