using Delivery.Telemetry.History;

namespace Delivery.UnitTests.Telemetry.History;

public sealed class SampleRingTests
{
    [Fact]
    public void BeforeItIsFull_ItHoldsEverySample_OldestFirst()
    {
        var ring = new SampleRing<int>(4);
        ring.ToArray().ShouldBeEmpty();

        ring.Add(1);
        ring.Add(2);
        ring.Add(3);

        ring.Count.ShouldBe(3);
        ring.ToArray().ShouldBe([1, 2, 3]);
    }

    [Fact]
    public void OnceFull_EachNewSampleDropsTheOldest_AndTheSizeStaysAtItsCapacity()
    {
        var ring = new SampleRing<int>(4);
        for (int i = 1; i <= 11; i++)
        {
            ring.Add(i);
            ring.Count.ShouldBe(Math.Min(i, 4));
            ring.ToArray().ShouldBe(Enumerable.Range(Math.Max(1, i - 3), Math.Min(i, 4)).ToArray(), $"after adding {i}");
        }
    }

    [Fact]
    public void ACopy_DoesNotChange_WhenTheRingMovesOn()
    {
        var ring = new SampleRing<int>(2);
        ring.Add(1);
        ring.Add(2);
        int[] copy = ring.ToArray();

        ring.Add(3);

        copy.ShouldBe([1, 2]);
        ring.ToArray().ShouldBe([2, 3]);
    }

    [Fact]
    public void ACapacityBelowOne_IsRefused()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new SampleRing<int>(0));
    }

    [Fact]
    public async Task ReadersRacingTheWriter_AlwaysSeeConsecutiveSamples()
    {
        var ring = new SampleRing<long>(16);
        using var stop = new CancellationTokenSource();
        Task writer = Task.Run(() =>
        {
            for (long i = 0; !stop.IsCancellationRequested; i++)
            {
                ring.Add(i);
            }
        });

        for (int read = 0; read < 20_000; read++)
        {
            long[] samples = ring.ToArray();
            for (int i = 1; i < samples.Length; i++)
            {
                samples[i].ShouldBe(samples[i - 1] + 1);
            }
        }

        await stop.CancelAsync();
        await writer;
    }
}
