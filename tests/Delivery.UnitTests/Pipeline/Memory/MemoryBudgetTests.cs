using Delivery.Pipeline.Memory;

namespace Delivery.UnitTests.Pipeline.Memory;

public sealed class MemoryBudgetTests
{
    [Fact]
    public async Task Waiters_AreServedInArrivalOrder_AsBytesComeBack()
    {
        var budget = new MemoryBudget(100);
        budget.TryAcquire(80).ShouldBeTrue();
        ValueTask first = budget.AcquireAsync(50, CancellationToken.None);
        ValueTask second = budget.AcquireAsync(10, CancellationToken.None);

        second.IsCompleted.ShouldBeFalse("a small request does not overtake an earlier waiter");
        budget.HasWaiters.ShouldBeTrue();

        budget.Release(80);
        await first;
        await second;
        budget.UsedBytes.ShouldBe(60);
    }

    [Fact]
    public void APageLargerThanTheBudget_IsAdmittedWhenNothingElseIsHeld()
    {
        var budget = new MemoryBudget(100);

        budget.TryAcquire(500).ShouldBeTrue();
        budget.TryAcquire(1).ShouldBeFalse();
    }

    [Fact]
    public async Task ACancelledWaiter_GivesUpItsPlace()
    {
        var budget = new MemoryBudget(100);
        budget.TryAcquire(100).ShouldBeTrue();
        using var cancel = new CancellationTokenSource();
        ValueTask waiting = budget.AcquireAsync(50, cancel.Token);

        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(async () => await waiting);
        budget.Release(100);
        budget.UsedBytes.ShouldBe(0);
        budget.HasWaiters.ShouldBeFalse();
    }

    [Fact]
    public async Task CancellingTheWaiterAtTheHead_LetsTheOnesBehindItIn()
    {
        var budget = new MemoryBudget(100);
        budget.TryAcquire(60).ShouldBeTrue();
        using var cancel = new CancellationTokenSource();
        ValueTask large = budget.AcquireAsync(80, cancel.Token);
        ValueTask small = budget.AcquireAsync(30, CancellationToken.None);

        await cancel.CancelAsync();

        await small.AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        budget.UsedBytes.ShouldBe(90);
        await Should.ThrowAsync<OperationCanceledException>(async () => await large);
    }

    [Fact]
    public void ReleasingMoreThanWasAcquired_IsABug()
    {
        var budget = new MemoryBudget(100);
        budget.TryAcquire(10);

        Should.Throw<InvalidOperationException>(() => budget.Release(11));
        budget.UsedBytes.ShouldBe(10, "a refused release changes nothing");
    }
}
