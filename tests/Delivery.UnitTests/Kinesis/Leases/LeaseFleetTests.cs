using System.Globalization;
using Delivery.Kinesis.Leases;
using Xunit.Abstractions;

namespace Delivery.UnitTests.Kinesis.Leases;

/// <summary>Several workers on one stream, with the fake clock: balancing, failover, graceful handoff, cost.</summary>
public sealed class LeaseFleetTests(ITestOutputHelper output) : IAsyncDisposable
{
    private FleetHarness _fleet = new(shards: 8);

    [Fact]
    public async Task InTheSteadyState_TheTableIsListedOncePerRoundPerWorker_AndEachLeaseRenewedThreeTimesPerLeaseDuration()
    {
        await _fleet.DisposeAsync();
        _fleet = new FleetHarness(shards: 8, leaseDurationSeconds: 10, intervalSeconds: 60);
        await _fleet.StartAsync("w1");
        await _fleet.StartAsync("w2");
        await _fleet.StartAsync("w3");
        await _fleet.DriveUntil(() => _fleet.Loads().SequenceEqual([3, 3, 2]), "the leases are spread 3/3/2");
        await _fleet.Drive(TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(250));
        _fleet.Store.ResetCounts();

        // A loop woken by the fake clock sees the end of the step that woke it, so a step that does not divide the round
        // would stretch every round to a whole number of steps. The round (lease duration / 3) is exactly 11 of these.
        TimeSpan window = TimeSpan.FromMinutes(3);
        await _fleet.Drive(window, _fleet.LeaseDuration / 3 / 11);

        IReadOnlyDictionary<string, int> requests = _fleet.Store.Requests;
        double PerShardPerMinute(string operation) => requests.GetValueOrDefault(operation) / window.TotalMinutes / 8;
        output.WriteLine("Defaults (lease duration 10 s, buffering interval 60 s), 3 workers, 8 shards; DynamoDB requests per shard per minute: "
            + string.Join(", ", requests.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key} {PerShardPerMinute(pair.Key).ToString("0.00", CultureInfo.InvariantCulture)}"))
            + $"; total {(requests.Values.Sum() / window.TotalMinutes / 8).ToString("0.00", CultureInfo.InvariantCulture)}.");
        PerShardPerMinute("UpdateItem (renewal)").ShouldBeInRange(17.5, 18.5, "every lease duration / 3");
        (requests.GetValueOrDefault("Scan") / window.TotalMinutes / 3).ShouldBeInRange(17.0, 18.5, "one listing per take round (lease duration / 3) per worker, none per renewal");
        PerShardPerMinute("UpdateItem (take, release, handoff)").ShouldBe(0, "a balanced fleet moves nothing");
    }

    [Fact]
    public async Task WorkersStartingTogether_NeverTakeTheSameShard_AndConvergeToThreeThreeTwo()
    {
        await _fleet.StartAsync("w1");
        await _fleet.StartAsync("w2");
        await _fleet.StartAsync("w3");

        await _fleet.DriveUntil(() => _fleet.Loads().SequenceEqual([3, 3, 2]), "the leases are spread 3/3/2");

        _fleet.AssertNoShardWasReadByTwoWorkersAtOnce();
        _fleet.Store.History.Where(change => change.How == "taken" && change.From is not null && change.From != change.To)
            .ShouldBeEmpty("no lease was taken from a live worker");
    }

    [Fact]
    public async Task AFourthWorker_GetsItsShareByHandoff_AndNoShardIsEverReadByTwoWorkersAtOnce()
    {
        await _fleet.StartAsync("w1");
        await _fleet.StartAsync("w2");
        await _fleet.StartAsync("w3");
        await _fleet.DriveUntil(() => _fleet.Loads().SequenceEqual([3, 3, 2]), "the leases are spread 3/3/2");
        int changesBefore = _fleet.Store.History.Count;

        await _fleet.StartAsync("w4");
        await _fleet.DriveUntil(() => _fleet.Loads().SequenceEqual([2, 2, 2, 2]), "the leases are spread 2/2/2/2");
        await _fleet.DriveUntilEveryShardIsCheckpointedAtItsEnd();

        _fleet.AssertNoShardWasReadByTwoWorkersAtOnce().ShouldBeGreaterThan(8);
        List<OwnerChange> rebalance = [.. _fleet.Store.History.Skip(changesBefore)];
        rebalance.Count(change => change.How == "handed over").ShouldBe(2, "two leases move to the new worker, one per round");
        rebalance.ShouldAllBe(change => change.How == "handed over" || (change.How == "taken" && change.From == change.To),
            "every lease moved was handed over by its owner, then taken up by the worker that asked for it");
        AssertEveryRecordDeliveredExactlyOnce();
    }

    [Fact]
    public async Task AWorkerThatDies_LosesItsShardsWithinTwoLeaseDurations_AndOnlyItsUnacknowledgedBatchesAreDeliveredAgain()
    {
        await _fleet.StartAsync("w1");
        await _fleet.StartAsync("w2");
        await _fleet.StartAsync("w3");
        await _fleet.DriveUntil(() => _fleet.Loads().SequenceEqual([3, 3, 2]), "the leases are spread 3/3/2");
        FleetWorker dead = _fleet.Live.First(worker => worker.Reading().Count == 3);
        List<string> orphaned = dead.Reading();

        // Gone without a word: no more reads of the table, no more writes to the destination, no release.
        _fleet.Store.CutOff(dead.Id);
        dead.Writer.Block();
        Dictionary<string, LeaseCheckpoint> checkpointsAtDeath = orphaned.ToDictionary(shard => shard, shard => _fleet.Store[shard].Checkpoint);
        long diedAt = _fleet.Time.GetTimestamp();
        _fleet.Forget(dead);
        await _fleet.DriveUntil(() => orphaned.All(shard => _fleet.Live.Any(worker => worker.Reading().Contains(shard))), "the dead worker's shards are read again");
        TimeSpan takenOverAfter = _fleet.Time.GetElapsedTime(diedAt);
        await _fleet.DriveUntilEveryShardIsCheckpointedAtItsEnd();

        takenOverAfter.ShouldBeLessThanOrEqualTo(2 * _fleet.LeaseDuration);
        _fleet.Loads().ShouldBe([4, 4]);
        List<DeliveryBatch> delivered = [.. _fleet.Everyone.SelectMany(worker => worker.Writer.Written)];
        delivered.SelectMany(batch => batch.Records).Select(Data).Distinct().Order(StringComparer.Ordinal)
            .ShouldBe(_fleet.EveryRecordPut().Order(StringComparer.Ordinal), "no record is lost");
        foreach (IGrouping<string, DeliveryBatch> again in delivered.SelectMany(batch => batch.Records.Select(record => (Data(record), batch))).GroupBy(pair => pair.Item1, pair => pair.batch).Where(group => group.Count() > 1))
        {
            again.Select(batch => batch.Id).Distinct().ShouldHaveSingleItem($"record {again.Key} is in two different batches");
            DeliveryBatch batch = again.First();
            dead.Writer.Written.ShouldContain(batch, $"record {again.Key} was delivered twice, but not because of the dead worker");
            checkpointsAtDeath[batch.Source.ShardId].Position.ShouldNotBeNull().ShouldBeLessThan(batch.Source.First, "an acknowledged batch was delivered again");
        }
    }

    [Fact]
    public async Task AWorkerStoppedGracefully_HasItsShardsTakenInThePeersNextRound_WithNoRecordDeliveredTwice()
    {
        await _fleet.StartAsync("w1");
        await _fleet.StartAsync("w2");
        await _fleet.StartAsync("w3");
        await _fleet.DriveUntil(() => _fleet.Loads().SequenceEqual([3, 3, 2]), "the leases are spread 3/3/2");
        FleetWorker leaving = _fleet.Live.First(worker => worker.Reading().Count == 3);
        List<string> released = leaving.Reading();

        _fleet.Forget(leaving);
        await leaving.StopAsync();
        long stoppedAt = _fleet.Time.GetTimestamp();
        released.ShouldAllBe(shard => _fleet.Store[shard].Owner == null, "a stopped worker releases its leases");
        await _fleet.DriveUntil(() => released.All(shard => _fleet.Live.Any(worker => worker.Reading().Contains(shard))), "the released shards are read again");
        TimeSpan takenAfter = _fleet.Time.GetElapsedTime(stoppedAt);
        await _fleet.DriveUntilEveryShardIsCheckpointedAtItsEnd();

        takenAfter.ShouldBeLessThanOrEqualTo(_fleet.LeaseDuration / 3 + TimeSpan.FromMilliseconds(100), "one take round, not a lease expiry");
        _fleet.AssertNoShardWasReadByTwoWorkersAtOnce();
        AssertEveryRecordDeliveredExactlyOnce();
    }

    public async ValueTask DisposeAsync() => await _fleet.DisposeAsync();

    private static string Data(SourceRecord record) => System.Text.Encoding.UTF8.GetString(record.Data.Span);

    private void AssertEveryRecordDeliveredExactlyOnce()
    {
        List<string> delivered = [.. _fleet.Everyone.SelectMany(worker => worker.Writer.Written).SelectMany(batch => batch.Records).Select(Data)];
        delivered.GroupBy(data => data).Where(group => group.Count() > 1).Select(group => group.Key).ShouldBeEmpty("no record is delivered twice");
        delivered.Order(StringComparer.Ordinal).ShouldBe(_fleet.EveryRecordPut().Order(StringComparer.Ordinal));
    }
}
