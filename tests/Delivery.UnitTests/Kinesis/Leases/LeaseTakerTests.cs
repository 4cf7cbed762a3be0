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

        IReadOnlyList<Lease> taken = Take(taker.Plan([Free("a"), Free("b"), Free("c")], new HashSet<string>()));

        taken.Select(lease => lease.LeaseKey).ShouldBe(["a", "b", "c"], ignoreOrder: true);
    }

    [Fact]
    public void ALeaseRenewedByItsOwner_IsNeverTaken_AndAnUnrenewedOne_IsTakenOnlyAfterAFullLeaseDuration()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);
        Lease alive = Held("a", "other", counter: 1);
        Lease dead = Held("b", "dead", counter: 7);

        Take(taker.Plan([alive, dead], new HashSet<string>())).ShouldBeEmpty("nothing has been seen expiring yet");

        _time.Advance(TimeSpan.FromSeconds(9));
        alive = alive with { Counter = 2 };
        Take(taker.Plan([alive, dead], new HashSet<string>())).ShouldBeEmpty("9 s is less than the lease duration");

        _time.Advance(TimeSpan.FromSeconds(1));
        alive = alive with { Counter = 3 };
        Take(taker.Plan([alive, dead], new HashSet<string>())).Select(lease => lease.LeaseKey).ShouldBe(["b"]);
    }

    [Fact]
    public void AWorker_AimsAtItsFairShare_AndLeavesTheRestToLiveWorkers()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);
        Lease[] leases = [Held("a", "other", 1), Held("b", "other", 1), Held("c", "other", 1), Free("d"), Free("e"), Free("f"), Free("g")];

        IReadOnlyList<Lease> taken = Take(taker.Plan(leases, new HashSet<string>()));

        taken.Count.ShouldBe(4, "ceil(7 leases / 2 live workers) = 4");
        taken.ShouldAllBe(lease => lease.Owner == null);
    }

    [Fact]
    public void FreeLeases_AreTakenBeforeExpiredOnes()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);
        Lease[] leases = [Held("a", "dead", 1), Held("b", "dead", 1), Free("c")];
        taker.Plan(leases, new HashSet<string> { "x" });
        _time.Advance(LeaseDuration);

        IReadOnlyList<Lease> taken = Take(taker.Plan(leases, new HashSet<string>()));

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

        Take(taker.Plan([parentA, parentB, child], new HashSet<string>())).Select(l => l.LeaseKey).ShouldBe(["parent-b"]);
        Take(taker.Plan([parentA, parentB with { Checkpoint = LeaseCheckpoint.ShardEnd }, child], new HashSet<string>()))
            .Select(l => l.LeaseKey).ShouldBe(["child"]);
    }

    [Fact]
    public void AChildWhoseParentLeaseIsGone_IsTaken()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);

        Take(taker.Plan([Free("child") with { ParentShardIds = ["aged-out"] }], new HashSet<string>()))
            .ShouldHaveSingleItem().LeaseKey.ShouldBe("child");
    }

    [Fact]
    public void ALeaseTheTableSaysIsMine_ButThisProcessDoesNotRun_IsTakenBackAtOnce_EvenAboveTheTarget()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);
        Lease[] leases = [Held("a", "me", 4), Held("b", "me", 1), Held("c", "other", 1)];

        LeaseTakePlan plan = taker.Plan(leases, new HashSet<string> { "b" });

        plan.Reclaim.ShouldHaveSingleItem().LeaseKey.ShouldBe("a", "a lease handed over to this worker would otherwise expire unread");
        plan.Wanted.ShouldBe(0);
    }

    [Fact]
    public void LeasesHeldAlready_AreNotTakenAgain_AndCountTowardsTheShare()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);
        Lease[] leases = [Held("a", "me", 1), Held("b", "other", 1), Free("c"), Free("d")];

        Take(taker.Plan(leases, new HashSet<string> { "a" })).Count.ShouldBe(1, "ceil(4 / 2) = 2, one held already");
    }

    [Fact]
    public void AWorkerBelowItsShare_AsksTheMostLoadedWorkerForOneLease_WhenNothingIsFreeOrExpired()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);
        Lease[] leases = [.. Enumerable.Range(0, 6).Select(i => Held($"big-{i}", "big", 1)), Held("small-0", "small", 1), Held("small-1", "small", 1)];

        LeaseTakePlan plan = taker.Plan(leases, new HashSet<string>());

        plan.Target.ShouldBe(3, "ceil(8 leases / 3 live workers)");
        plan.Candidates.ShouldBeEmpty();
        plan.HandoffRequest.ShouldNotBeNull().Owner.ShouldBe("big", "the most loaded worker gives one up");
    }

    [Fact]
    public void NoHandoffIsAsked_WhenTheSplitIsAsEvenAsItCanBe()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);
        Lease[] leases =
        [
            Held("a", "w1", 1), Held("b", "w1", 1), Held("c", "w1", 1),
            Held("d", "w2", 1), Held("e", "w2", 1), Held("f", "w2", 1),
            Held("g", "me", 1), Held("h", "me", 1),
        ];

        LeaseTakePlan plan = taker.Plan(leases, new HashSet<string> { "g", "h" });

        plan.Wanted.ShouldBe(1, "3/3/2: this worker is one below ceil(8 / 3)");
        plan.HandoffRequest.ShouldBeNull("taking one from a worker with 3 would only move the imbalance, not reduce it");
    }

    [Fact]
    public void AWorkerAtTheTarget_IsAskedForOne_WhenTheAskerNeedsMoreThanOne()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);
        Lease[] leases = [.. new[] { "w1", "w2", "w3" }.SelectMany(owner => Enumerable.Range(0, 3).Select(i => Held($"{owner}-{i}", owner, 1)))];

        LeaseTakePlan plan = taker.Plan(leases, new HashSet<string>());

        plan.Target.ShouldBe(3, "ceil(9 / 4)");
        plan.HandoffRequest.ShouldNotBeNull("3/3/3/0 would never move otherwise; 3/2/2/2 is where it ends");
    }

    [Fact]
    public void OnlyOneHandoffIsAskedAtATime_AndAPendingOneCountsForTheAsker()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);
        Lease[] leases = [.. Enumerable.Range(0, 5).Select(i => Held($"big-{i}", "big", 1)), Held("big-5", "big", 1) with { PendingOwner = "me" }];

        LeaseTakePlan plan = taker.Plan(leases, new HashSet<string>());

        plan.HandoffRequest.ShouldBeNull();
        plan.Wanted.ShouldBe(2, "target 3, one on its way to this worker");
    }

    [Fact]
    public void ALeaseBeingHandedOver_CountsForTheWorkerItGoesTo_InOtherWorkersViews()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);
        Lease[] leases =
        [
            Held("a", "w1", 1), Held("b", "w1", 1), Held("c", "w1", 1) with { PendingOwner = "w2" },
            Held("d", "me", 1), Held("e", "me", 1), Held("f", "w2", 1),
        ];

        LeaseTakePlan plan = taker.Plan(leases, new HashSet<string> { "d", "e" });

        plan.Target.ShouldBe(2, "ceil(6 / 3): w2 renews f");
        plan.Wanted.ShouldBe(0);
        plan.HandoffRequest.ShouldBeNull();
    }

    [Fact]
    public void AFreshWorker_TakesEveryLeaseOfADeadOwner_EvenOneWithADeadRequester()
    {
        // Every lease owned by a dead worker, one with a handoff asked for by another dead worker: both are gone, so the
        // fresh worker is alone and its share is everything.
        var taker = new LeaseTaker("fresh", LeaseDuration, _time);
        Lease[] leases = [Held("a", "dead", 1), Held("b", "dead", 1), Held("c", "dead", 1) with { PendingOwner = "dead-requester" }, Held("d", "dead", 1)];
        taker.Plan(leases, new HashSet<string>());
        _time.Advance(LeaseDuration);

        LeaseTakePlan plan = taker.Plan(leases, new HashSet<string>());

        plan.Target.ShouldBe(4, "a requester that renews nothing is not a live worker");
        Take(plan).Select(lease => lease.LeaseKey).ShouldBe(["a", "b", "c", "d"], ignoreOrder: true);
    }

    [Fact]
    public void AnExpiredLease_IsTakenByTheWorkerThatAskedForIt_ItsOwnRequestDoesNotCountAsLoad()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time);
        Lease[] leases = [Held("a", "dead", 1) with { PendingOwner = "me" }, Held("b", "other", 1), Held("c", "me", 1)];
        taker.Plan(leases, new HashSet<string> { "c" });
        _time.Advance(LeaseDuration);
        leases[1] = leases[1] with { Counter = 2 };

        LeaseTakePlan plan = taker.Plan(leases, new HashSet<string> { "c" });

        plan.Target.ShouldBe(2, "ceil(3 / 2): this worker and the one renewing b");
        Take(plan).Select(lease => lease.LeaseKey).ShouldBe(["a"], "the owner it asked is dead: the lease is expired and nobody will hand it over");
    }

    [Fact]
    public void TwoLiveWorkers_TakeTheShardOfADeadOwnerWithADeadRequester()
    {
        // 8 shards: 3 + 3 held by two live workers, 2 by a dead one, one of those asked for by another dead worker.
        var taker = new LeaseTaker("me", LeaseDuration, _time);
        var leases = new List<Lease>
        {
            Held("m0", "me", 1), Held("m1", "me", 1), Held("m2", "me", 1),
            Held("o0", "other", 1), Held("o1", "other", 1), Held("o2", "other", 1),
            Held("d0", "dead", 1), Held("d1", "dead", 1) with { PendingOwner = "dead-requester" },
        };
        HashSet<string> mine = ["m0", "m1", "m2"];
        taker.Plan(leases, mine);
        _time.Advance(LeaseDuration);
        leases = [.. leases.Select(lease => lease.Owner == "other" ? lease with { Counter = 2 } : lease)];

        LeaseTakePlan plan = taker.Plan(leases, mine);

        plan.Target.ShouldBe(4, "ceil(8 / 2): the dead requester is not counted");
        Lease taken = Take(plan).ShouldHaveSingleItem("one more reaches the share");
        taken.Owner.ShouldBe("dead");
        var other = new LeaseTaker("other", LeaseDuration, _time);
        other.Plan(leases, new HashSet<string> { "o0", "o1", "o2" });
        _time.Advance(LeaseDuration);
        leases = [.. leases.Select(lease => lease.LeaseKey == taken.LeaseKey ? lease with { Owner = "me", Counter = 5 } : lease.Owner is "other" or "me" ? lease with { Counter = lease.Counter + 1 } : lease)];
        Take(other.Plan(leases, new HashSet<string> { "o0", "o1", "o2" })).ShouldHaveSingleItem().Owner.ShouldBe("dead", "the other live worker takes the last one");
    }

    [Fact]
    public void AHandoffRequestThatIsNeverAnswered_Expires_AndTheAskerMayAskAgain()
    {
        var taker = new LeaseTaker("me", LeaseDuration, _time, handoffTimeout: TimeSpan.FromSeconds(30));
        var leases = Enumerable.Range(0, 6).Select(i => Held($"big-{i}", "big", 1)).ToList();
        leases[5] = leases[5] with { PendingOwner = "me" };

        taker.Plan(leases, new HashSet<string>()).HandoffRequest.ShouldBeNull("one request at a time");

        // The owner keeps renewing but never hands the lease over. A handoff may take twice the timeout, 30 s to cancel
        // deliveries and three lease durations: 120 s here, during which the request still counts.
        void Rounds(int count)
        {
            for (int round = 0; round < count; round++)
            {
                _time.Advance(TimeSpan.FromSeconds(4));
                leases = [.. leases.Select(lease => lease with { Counter = lease.Counter + 1 })];
                taker.Plan(leases, new HashSet<string>());
            }
        }

        Rounds(29);
        LeaseTakePlan stillPending = taker.Plan(leases, new HashSet<string>());
        stillPending.Wanted.ShouldBe(2, "after 116 s the request still counts");
        stillPending.HandoffRequest.ShouldBeNull();

        Rounds(2);
        LeaseTakePlan plan = taker.Plan(leases, new HashSet<string>());

        plan.Wanted.ShouldBe(3, "the unanswered request no longer counts for this worker");
        plan.HandoffRequest.ShouldNotBeNull().LeaseKey.ShouldNotBe("big-5");
    }

    [Fact]
    public async Task Balancing_ConvergesToTheFairShare_WithoutOscillating_AsWorkersJoinAndLeave()
    {
        var fleet = new FleetModel(_time, LeaseDuration, shards: 8);
        fleet.Join("w1");
        fleet.Join("w2");
        fleet.Join("w3");

        await fleet.RunUntilStableAsync();
        fleet.Loads().ShouldBe([3, 3, 2], "ceil(8 / 3) = 3");

        fleet.Join("w4");
        await fleet.RunUntilStableAsync();
        fleet.Loads().ShouldBe([2, 2, 2, 2]);

        fleet.Die("w2");
        await fleet.RunUntilStableAsync();
        fleet.Loads().ShouldBe([3, 3, 2]);

        int changes = fleet.Store.History.Count;
        await fleet.RoundsAsync(60);
        fleet.Store.History.Count.ShouldBe(changes, "a balanced fleet moves nothing");
        fleet.Store.History.Count(change => change.How == "handed over").ShouldBeLessThanOrEqualTo(12, "each handoff lowers the imbalance; none is undone");
    }

    private static IReadOnlyList<Lease> Take(LeaseTakePlan plan) => [.. plan.Candidates.Take(plan.Wanted)];

    private static Lease Free(string key) => new() { LeaseKey = key };

    private static Lease Held(string key, string owner, long counter) => new() { LeaseKey = key, Owner = owner, Counter = counter };

    /// <summary>
    /// Workers playing lease rounds against an in-memory table: each round every live worker renews what it holds,
    /// hands over what it was asked for, then plans and acts on its plan. A worker that dies just stops.
    /// </summary>
    private sealed class FleetModel
    {
        private readonly FakeTimeProvider _time;
        private readonly TimeSpan _leaseDuration;
        private readonly Dictionary<string, (LeaseTaker Taker, Dictionary<string, Lease> Held)> _workers = new(StringComparer.Ordinal);

        public FleetModel(FakeTimeProvider time, TimeSpan leaseDuration, int shards)
        {
            _time = time;
            _leaseDuration = leaseDuration;
            for (int i = 0; i < shards; i++)
            {
                Store.CreateLeaseIfNotExistsAsync(new Lease { LeaseKey = $"shard-{i}" }, CancellationToken.None).GetAwaiter().GetResult();
            }
        }

        public InMemoryLeaseStore Store { get; } = new();

        public void Join(string worker) => _workers[worker] = (new LeaseTaker(worker, _leaseDuration, _time), new Dictionary<string, Lease>(StringComparer.Ordinal));

        public void Die(string worker) => _workers.Remove(worker);

        public int[] Loads() => [.. _workers.Values.Select(worker => worker.Held.Count).OrderDescending()];

        public async Task RunUntilStableAsync()
        {
            int stableRounds = 0;
            for (int round = 0; round < 500 && stableRounds < 12; round++)
            {
                int before = Store.History.Count;
                await RoundsAsync(1);
                stableRounds = Store.History.Count == before ? stableRounds + 1 : 0;
            }

            stableRounds.ShouldBe(12, "the fleet never settled");
        }

        public async Task RoundsAsync(int rounds)
        {
            for (int round = 0; round < rounds; round++)
            {
                foreach ((string id, (LeaseTaker taker, Dictionary<string, Lease> held)) in _workers)
                {
                    await RenewAndHandOverAsync(held);
                    LeaseTakePlan plan = taker.Plan(await Store.ListLeasesAsync(CancellationToken.None), new HashSet<string>(held.Keys));
                    foreach (Lease lease in plan.Reclaim)
                    {
                        await TryTakeAsync(id, held, lease);
                    }

                    int taken = 0;
                    foreach (Lease candidate in plan.Candidates.TakeWhile(_ => taken < plan.Wanted))
                    {
                        taken += await TryTakeAsync(id, held, candidate) ? 1 : 0;
                    }

                    if (plan.HandoffRequest is { } request)
                    {
                        await Store.RequestHandoffAsync(request, id, CancellationToken.None);
                    }
                }

                _time.Advance(_leaseDuration / 3);
            }
        }

        private async Task RenewAndHandOverAsync(Dictionary<string, Lease> held)
        {
            foreach ((string key, Lease lease) in held.ToList())
            {
                Lease? renewed = await Store.TryRenewLeaseAsync(lease, CancellationToken.None);
                if (renewed is null)
                {
                    held.Remove(key);
                }
                else if (renewed.PendingOwner is { } requester)
                {
                    await Store.HandOffLeaseAsync(renewed, requester, CancellationToken.None);
                    held.Remove(key);
                }
                else
                {
                    held[key] = renewed;
                }
            }
        }

        private async Task<bool> TryTakeAsync(string id, Dictionary<string, Lease> held, Lease lease)
        {
            Lease? taken = await Store.TryTakeLeaseAsync(lease, id, CancellationToken.None);
            if (taken is not null)
            {
                held[taken.LeaseKey] = taken;
            }

            return taken is not null;
        }
    }
}
