using Delivery.Kinesis.Leases;
using Delivery.Testing;

namespace Delivery.UnitTests.Kinesis.Leases;

public sealed class LeaseTakerTests
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void AWorkerAlone_TakesEveryFreeLease()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);

        IReadOnlyList<Lease> taken = taker.SelectLeasesToTake([Free("a"), Free("b"), Free("c")], new HashSet<string>());

        taken.Select(lease => lease.LeaseKey).ShouldBe(["a", "b", "c"]);
    }

    [Fact]
    public void ALeaseRenewedByItsOwner_IsNeverTaken_AndAnUnrenewedOne_IsTakenOnlyAfterAFullLeaseDuration()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);
        Lease alive = Held("a", "other", counter: 1);
        Lease dead = Held("b", "dead", counter: 7);

        taker.SelectLeasesToTake([alive, dead], new HashSet<string>()).ShouldBeEmpty("nothing has been seen expiring yet");

        _time.Advance(TimeSpan.FromSeconds(9));
        alive = alive with { Counter = 2 };
        taker.SelectLeasesToTake([alive, dead], new HashSet<string>()).ShouldBeEmpty("9 s is less than the lease duration");

        _time.Advance(TimeSpan.FromSeconds(1));
        alive = alive with { Counter = 3 };
        taker.SelectLeasesToTake([alive, dead], new HashSet<string>()).Select(lease => lease.LeaseKey).ShouldBe(["b"]);
    }

    [Fact]
    public void AWorker_AimsAtItsFairShare_AndLeavesTheRestToLiveWorkers()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);
        Lease[] leases = [Held("a", "other", 1), Held("b", "other", 1), Held("c", "other", 1), Free("d"), Free("e"), Free("f"), Free("g")];

        IReadOnlyList<Lease> taken = taker.SelectLeasesToTake(leases, new HashSet<string>());

        taken.Count.ShouldBe(4, "ceil(7 leases / 2 live workers) = 4");
        taken.ShouldAllBe(lease => lease.Owner == null);
    }

    [Fact]
    public void FreeLeases_AreTakenBeforeExpiredOnes()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);
        Lease[] leases = [Held("a", "dead", 1), Held("b", "dead", 1), Free("c")];
        taker.SelectLeasesToTake(leases, new HashSet<string> { "x" });
        _time.Advance(LeaseDuration);

        IReadOnlyList<Lease> taken = taker.SelectLeasesToTake(leases, new HashSet<string>());

        taken[0].LeaseKey.ShouldBe("c");
        taken.Count.ShouldBe(3);
    }

    [Fact]
    public void AChildShard_WaitsUntilEveryParentIsAtShardEnd()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);
        Lease parentA = Free("parent-a") with { Checkpoint = LeaseCheckpoint.ShardEnd };
        Lease parentB = Free("parent-b");
        Lease child = Free("child") with { ParentShardIds = ["parent-a", "parent-b"] };

        taker.SelectLeasesToTake([parentA, parentB, child], new HashSet<string>()).Select(l => l.LeaseKey).ShouldBe(["parent-b"]);
        taker.SelectLeasesToTake([parentA, parentB with { Checkpoint = LeaseCheckpoint.ShardEnd }, child], new HashSet<string>())
            .Select(l => l.LeaseKey).ShouldBe(["child"]);
    }

    [Fact]
    public void AChildWhoseParentLeaseIsGone_IsTaken()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);

        taker.SelectLeasesToTake([Free("child") with { ParentShardIds = ["aged-out"] }], new HashSet<string>())
            .ShouldHaveSingleItem().LeaseKey.ShouldBe("child");
    }

    [Fact]
    public void ALeaseTheTableSaysIsMine_ButThisProcessDoesNotRun_IsTakenBackAtOnce()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);

        taker.SelectLeasesToTake([Held("a", "me", 4)], new HashSet<string>()).ShouldHaveSingleItem().LeaseKey.ShouldBe("a");
    }

    [Fact]
    public void LeasesHeldAlready_AreNotTakenAgain_AndCountTowardsTheShare()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);
        Lease[] leases = [Held("a", "me", 1), Held("b", "other", 1), Free("c"), Free("d")];

        taker.SelectLeasesToTake(leases, new HashSet<string> { "a" }).Count.ShouldBe(1, "ceil(4 / 2) = 2, one held already");
    }

    private static Lease Free(string key) => new() { LeaseKey = key };

    private static Lease Held(string key, string owner, long counter) => new() { LeaseKey = key, Owner = owner, Counter = counter };
}
