using Delivery.Kinesis.Client;
using Delivery.Kinesis.Leases;
using Delivery.Testing;

namespace Delivery.UnitTests.Kinesis.Leases;

public sealed class ShardFailuresTests
{
    private static readonly TimeSpan Round = TimeSpan.FromSeconds(1);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void AFailingShard_IsTriedAgainAfterABackoffThatDoublesUpToFiveMinutes()
    {
        var failures = new ShardFailures(Round, _time);
        var waits = new List<TimeSpan>();
        for (int i = 0; i < 12; i++)
        {
            (int count, TimeSpan retryIn) = failures.Failed("shard-1");
            count.ShouldBe(i + 1);
            waits.Add(retryIn);
            failures.MayTake("shard-1").ShouldBeFalse();
            _time.Advance(retryIn - TimeSpan.FromMilliseconds(1));
            failures.MayTake("shard-1").ShouldBeFalse("not before its backoff is over");
            _time.Advance(TimeSpan.FromMilliseconds(1));
            failures.MayTake("shard-1").ShouldBeTrue();
        }

        waits.Take(4).ShouldBe([Round, Round * 2, Round * 4, Round * 8]);
        waits[^1].ShouldBe(ShardFailures.MaxBackoff);
        failures.MayTake("shard-2").ShouldBeTrue("other shards are not held back");
    }

    [Fact]
    public void AShardThatEndsWell_OrReadsWellForTenMinutes_StartsItsBackoffAfresh()
    {
        var failures = new ShardFailures(Round, _time);
        failures.Failed("a");
        failures.Failed("a");
        failures.Ended("a");
        failures.Failed("a").RetryIn.ShouldBe(Round);

        failures.Failed("b");
        failures.Failed("b");
        _time.Advance(TimeSpan.FromMinutes(11));
        failures.Failed("b").ShouldBe((1, Round));
    }

    [Theory]
    [InlineData("AccessDeniedException", true)]
    [InlineData("KMSAccessDeniedException", true)]
    [InlineData("UnrecognizedClientException", true)]
    [InlineData("Kinesis.InvalidStartingSequenceNumber", true)]
    [InlineData("InvalidArgumentException", false)]
    [InlineData("ResourceNotFoundException", false)]
    [InlineData("KMSThrottlingException", false)]
    public void OnlyErrorsThatSayTheWorkerCannotReadTheStream_StopTheWorker(string errorCode, bool stops)
    {
        var error = new AmazonKinesisException("refused", FailureKind.Permanent, errorCode, System.Net.HttpStatusCode.BadRequest);

        ShardFailures.StopsTheWorker(error).ShouldBe(stops);
        ShardFailures.StopsTheWorker(new InvalidOperationException("a bug")).ShouldBeFalse("one shard's unexpected error is that shard's");
    }
}
