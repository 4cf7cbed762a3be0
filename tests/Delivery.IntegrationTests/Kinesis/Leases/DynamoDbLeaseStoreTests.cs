using Amazon.DynamoDBv2;
using Delivery.Kinesis.Leases;
using Delivery.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.IntegrationTests.Kinesis.Leases;

[Collection(LocalAwsCollection.Name)]
public sealed class DynamoDbLeaseStoreTests(LocalAwsStack stack) : IDisposable
{
    private readonly AmazonDynamoDBClient _dynamoDb = stack.CreateDynamoDbClient();

    [Fact]
    public async Task TheTable_IsCreatedWhenMissing_AndALeaseRoundTripsWithKclAttributeNames()
    {
        DynamoDbLeaseStore store = await NewStoreAsync();
        var lease = new Lease
        {
            LeaseKey = "shardId-000000000007",
            Checkpoint = LeaseCheckpoint.TrimHorizon,
            ParentShardIds = ["shardId-000000000001", "shardId-000000000002"],
            StartingHashKey = "0",
            EndingHashKey = "170141183460469231731687303715884105727",
        };

        (await store.CreateLeaseIfNotExistsAsync(lease, CancellationToken.None)).ShouldBeTrue();
        (await store.CreateLeaseIfNotExistsAsync(lease, CancellationToken.None)).ShouldBeFalse("a lease is created once");

        Lease stored = (await store.GetLeaseAsync(lease.LeaseKey, CancellationToken.None)).ShouldNotBeNull();
        stored.IsFree.ShouldBeTrue();
        stored.Checkpoint.ShouldBe(LeaseCheckpoint.TrimHorizon);
        stored.ParentShardIds.ShouldBe(lease.ParentShardIds, ignoreOrder: true);
        stored.EndingHashKey.ShouldBe(lease.EndingHashKey);
        Amazon.DynamoDBv2.Model.GetItemResponse raw = await _dynamoDb.GetItemAsync(store.TableName, new() { ["leaseKey"] = new() { S = lease.LeaseKey } });
        raw.Item.Keys.ShouldBe(["leaseKey", "leaseCounter", "checkpoint", "checkpointSubSequenceNumber", "ownerSwitchesSinceCheckpoint", "pendingBatches", "parentShardId", "startingHashKey", "endingHashKey"], ignoreOrder: true);
    }

    [Fact]
    public async Task OfTwentyWorkersRacingForALease_ExactlyOneWins()
    {
        DynamoDbLeaseStore store = await NewStoreAsync();
        await store.CreateLeaseIfNotExistsAsync(new Lease { LeaseKey = "shard" }, CancellationToken.None);
        Lease seen = (await store.GetLeaseAsync("shard", CancellationToken.None))!;

        Lease?[] results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => store.TryTakeLeaseAsync(seen, $"worker-{i}", CancellationToken.None)));

        Lease winner = results.OfType<Lease>().ShouldHaveSingleItem();
        Lease stored = (await store.GetLeaseAsync("shard", CancellationToken.None))!;
        stored.Owner.ShouldBe(winner.Owner);
        stored.Counter.ShouldBe(seen.Counter + 1);
        stored.OwnerSwitchesSinceCheckpoint.ShouldBe(1);
    }

    [Fact]
    public async Task ARenewal_FailsOnceAnotherWorkerTookTheLease_AndSoDoesACheckpoint()
    {
        DynamoDbLeaseStore store = await NewStoreAsync();
        await store.CreateLeaseIfNotExistsAsync(new Lease { LeaseKey = "shard" }, CancellationToken.None);
        Lease mine = (await store.TryTakeLeaseAsync((await store.GetLeaseAsync("shard", CancellationToken.None))!, "me", CancellationToken.None))!;
        Lease renewed = (await store.TryRenewLeaseAsync(mine, CancellationToken.None)).ShouldNotBeNull();
        renewed.Counter.ShouldBe(mine.Counter + 1);

        (await store.TryTakeLeaseAsync(renewed, "thief", CancellationToken.None)).ShouldNotBeNull();

        (await store.TryRenewLeaseAsync(renewed, CancellationToken.None)).ShouldBeNull();
        await Should.ThrowAsync<LeaseLostException>(() => store.UpdateCheckpointAsync(renewed, new LeaseCheckpoint("123"), [], CancellationToken.None));
        (await store.ReleaseLeaseAsync(renewed, CancellationToken.None)).ShouldBeFalse();
        (await store.GetLeaseAsync("shard", CancellationToken.None))!.Owner.ShouldBe("thief");
    }

    [Fact]
    public async Task ACheckpoint_KeepsItsPlannedBatches_AndAReleaseClearsOnlyTheOwner()
    {
        DynamoDbLeaseStore store = await NewStoreAsync();
        await store.CreateLeaseIfNotExistsAsync(new Lease { LeaseKey = "shard" }, CancellationToken.None);
        Lease mine = (await store.TryTakeLeaseAsync((await store.GetLeaseAsync("shard", CancellationToken.None))!, "me", CancellationToken.None))!;
        PlannedBatch[] pending =
        [
            new(new ShardPosition("49600000000000000000000000000000000000000000000000000011", 0), new ShardPosition("49600000000000000000000000000000000000000000000000000020", 3)),
            new(new ShardPosition("49600000000000000000000000000000000000000000000000000021", 0), new ShardPosition("49600000000000000000000000000000000000000000000000000030", 0)),
        ];

        await store.UpdateCheckpointAsync(mine, new LeaseCheckpoint("49600000000000000000000000000000000000000000000000000010", 2), pending, CancellationToken.None);
        (await store.ReleaseLeaseAsync(mine, CancellationToken.None)).ShouldBeTrue();

        Lease stored = (await store.GetLeaseAsync("shard", CancellationToken.None))!;
        stored.Owner.ShouldBeNull();
        stored.Counter.ShouldBe(mine.Counter + 1, "a release is visible to other workers as a change");
        stored.Checkpoint.ShouldBe(new LeaseCheckpoint("49600000000000000000000000000000000000000000000000000010", 2));
        stored.PendingBatches.ShouldBe(pending);
        stored.OwnerSwitchesSinceCheckpoint.ShouldBe(0);
    }

    [Fact]
    public async Task PiecesOfWorkerScopePlans_KeepTheirPlanIdAndDoneMark_ThroughTheTable()
    {
        DynamoDbLeaseStore store = await NewStoreAsync();
        await store.CreateLeaseIfNotExistsAsync(new Lease { LeaseKey = "shard" }, CancellationToken.None);
        Lease mine = (await store.TryTakeLeaseAsync((await store.GetLeaseAsync("shard", CancellationToken.None))!, "me", CancellationToken.None))!;
        var first = new ShardPosition("49600000000000000000000000000000000000000000000000000011", 0);
        var last = new ShardPosition("49600000000000000000000000000000000000000000000000000020", 3);
        PlannedBatch[] pending = [new(first, last, "0123456789abcdef0123456789abcdef", Done: true), new(last with { SubSequenceNumber = 4 }, last with { SubSequenceNumber = 9 }, "fedcba9876543210fedcba9876543210"), new(new ShardPosition("49600000000000000000000000000000000000000000000000000021"), new ShardPosition("49600000000000000000000000000000000000000000000000000030"))];

        await store.UpdateCheckpointAsync(mine, new LeaseCheckpoint("49600000000000000000000000000000000000000000000000000010"), pending, CancellationToken.None);

        (await store.GetLeaseAsync("shard", CancellationToken.None))!.PendingBatches.ShouldBe(pending);
        Amazon.DynamoDBv2.Model.GetItemResponse raw = await _dynamoDb.GetItemAsync(store.TableName, new() { ["leaseKey"] = new() { S = "shard" } });
        raw.Item["pendingBatches"].L[0].M["plan"].S.ShouldBe("0123456789abcdef0123456789abcdef");
        raw.Item["pendingBatches"].L[0].M["done"].BOOL.ShouldBe(true);
        raw.Item["pendingBatches"].L[1].M.ShouldNotContainKey("done");
        raw.Item["pendingBatches"].L[2].M.Keys.ShouldBe(["first", "firstSub", "last", "lastSub"], ignoreOrder: true);
    }

    [Fact]
    public async Task AWriteFromAnEarlierTenure_IsRejected_EvenWhenTheSameWorkerHoldsTheLeaseAgain()
    {
        DynamoDbLeaseStore store = await NewStoreAsync();
        await store.CreateLeaseIfNotExistsAsync(new Lease { LeaseKey = "shard" }, CancellationToken.None);
        Lease first = (await store.TryTakeLeaseAsync((await store.GetLeaseAsync("shard", CancellationToken.None))!, "me", CancellationToken.None))!;

        Lease second = (await store.TryTakeLeaseAsync(first, "me", CancellationToken.None)).ShouldNotBeNull("a worker takes back a lease it lost track of");

        second.Tenure.ShouldNotBe(first.Tenure);
        await Should.ThrowAsync<LeaseLostException>(() => store.UpdateCheckpointAsync(first, new LeaseCheckpoint("100"), [], CancellationToken.None));
        await Should.ThrowAsync<LeaseLostException>(() => store.UpdateStartingSequenceNumberAsync(first, "100", CancellationToken.None));
        (await store.ReleaseLeaseAsync(first, CancellationToken.None)).ShouldBeFalse();
        await store.UpdateCheckpointAsync(second, new LeaseCheckpoint("200"), [], CancellationToken.None);
        (await store.GetLeaseAsync("shard", CancellationToken.None))!.Checkpoint.ShouldBe(new LeaseCheckpoint("200"));
    }

    [Fact]
    public async Task ARenewalAndATakeFromTheSameView_NeverBothSucceed()
    {
        DynamoDbLeaseStore store = await NewStoreAsync();
        await store.CreateLeaseIfNotExistsAsync(new Lease { LeaseKey = "shard" }, CancellationToken.None);
        Lease held = (await store.TryTakeLeaseAsync((await store.GetLeaseAsync("shard", CancellationToken.None))!, "owner", CancellationToken.None))!;

        for (int round = 0; round < 10; round++)
        {
            Task<Lease?> renewal = store.TryRenewLeaseAsync(held, CancellationToken.None);
            Task<Lease?> take = store.TryTakeLeaseAsync(held, "taker", CancellationToken.None);
            Lease?[] results = await Task.WhenAll(renewal, take);

            results.OfType<Lease>().ShouldHaveSingleItem($"round {round}: exactly one of a renewal and a take from the same counter wins");
            held = (await store.GetLeaseAsync("shard", CancellationToken.None))!;
            if (held.Owner == "taker")
            {
                held = (await store.TryTakeLeaseAsync(held, "owner", CancellationToken.None))!;
            }
        }
    }

    [Fact]
    public async Task AHandoffRequest_LeavesTheOwnersRenewalsAlone_AndTheHandoffMakesTheRequesterTheOwner()
    {
        DynamoDbLeaseStore store = await NewStoreAsync();
        await store.CreateLeaseIfNotExistsAsync(new Lease { LeaseKey = "shard" }, CancellationToken.None);
        Lease held = (await store.TryTakeLeaseAsync((await store.GetLeaseAsync("shard", CancellationToken.None))!, "owner", CancellationToken.None))!;

        (await store.RequestHandoffAsync(held, "asker", CancellationToken.None)).ShouldBeTrue();
        (await store.RequestHandoffAsync(held, "other", CancellationToken.None)).ShouldBeFalse("one request at a time");
        Lease renewed = (await store.TryRenewLeaseAsync(held, CancellationToken.None)).ShouldNotBeNull("a request does not move the counter");
        renewed.PendingOwner.ShouldBe("asker", "the owner learns of the request from its renewal");
        (await store.RequestHandoffAsync(held, "late", CancellationToken.None)).ShouldBeFalse("a request is conditional on the counter seen");
        (await store.HandOffLeaseAsync(renewed, "other", CancellationToken.None)).ShouldBeFalse("only to the worker that asked");

        (await store.HandOffLeaseAsync(renewed, "asker", CancellationToken.None)).ShouldBeTrue();

        Lease handedOver = (await store.GetLeaseAsync("shard", CancellationToken.None))!;
        handedOver.Owner.ShouldBe("asker");
        handedOver.PendingOwner.ShouldBeNull();
        handedOver.Counter.ShouldBe(renewed.Counter + 1);
        handedOver.OwnerSwitchesSinceCheckpoint.ShouldBe(2);
        await Should.ThrowAsync<LeaseLostException>(() => store.UpdateCheckpointAsync(renewed, new LeaseCheckpoint("100"), [], CancellationToken.None));
        Lease taken = (await store.TryTakeLeaseAsync(handedOver, "asker", CancellationToken.None)).ShouldNotBeNull("the new owner starts its tenure with a take");
        await store.UpdateCheckpointAsync(taken, new LeaseCheckpoint("100"), [], CancellationToken.None);
        Amazon.DynamoDBv2.Model.GetItemResponse raw = await _dynamoDb.GetItemAsync(store.TableName, new() { ["leaseKey"] = new() { S = "shard" } });
        raw.Item["leaseTenure"].N.ShouldBe(taken.Tenure.ToString(System.Globalization.CultureInfo.InvariantCulture));
        raw.Item.ShouldNotContainKey("pendingOwner");
    }

    [Fact]
    public async Task AReleaseClearsAPendingHandoff_AndADeleteIsConditionalOnTheCounterSeen()
    {
        DynamoDbLeaseStore store = await NewStoreAsync();
        await store.CreateLeaseIfNotExistsAsync(new Lease { LeaseKey = "shard" }, CancellationToken.None);
        Lease held = (await store.TryTakeLeaseAsync((await store.GetLeaseAsync("shard", CancellationToken.None))!, "owner", CancellationToken.None))!;
        (await store.RequestHandoffAsync(held, "asker", CancellationToken.None)).ShouldBeTrue();

        (await store.ReleaseLeaseAsync(held, CancellationToken.None)).ShouldBeTrue();

        Lease released = (await store.GetLeaseAsync("shard", CancellationToken.None))!;
        released.Owner.ShouldBeNull();
        released.PendingOwner.ShouldBeNull();
        (await store.DeleteLeaseAsync(held, CancellationToken.None)).ShouldBeFalse("the lease changed since that view");
        (await store.DeleteLeaseAsync(released, CancellationToken.None)).ShouldBeTrue();
        (await store.GetLeaseAsync("shard", CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task AHandoffRequest_IsWithdrawnOnlyByTheWorkerThatMadeIt()
    {
        DynamoDbLeaseStore store = await NewStoreAsync();
        await store.CreateLeaseIfNotExistsAsync(new Lease { LeaseKey = "shard" }, CancellationToken.None);
        Lease held = (await store.TryTakeLeaseAsync((await store.GetLeaseAsync("shard", CancellationToken.None))!, "owner", CancellationToken.None))!;
        (await store.RequestHandoffAsync(held, "asker", CancellationToken.None)).ShouldBeTrue();

        (await store.WithdrawHandoffAsync("shard", "someone-else", CancellationToken.None)).ShouldBeFalse("a request is withdrawn by its own worker only");
        (await store.WithdrawHandoffAsync("shard", "asker", CancellationToken.None)).ShouldBeTrue();

        Lease after = (await store.GetLeaseAsync("shard", CancellationToken.None))!;
        after.PendingOwner.ShouldBeNull();
        after.Owner.ShouldBe("owner");
        after.Counter.ShouldBe(held.Counter, "withdrawing leaves the owner's renewals alone");
        (await store.HandOffLeaseAsync(held, "asker", CancellationToken.None)).ShouldBeFalse("there is no request to answer any more");
    }

    [Fact]
    public async Task AStartingTimestamp_IsWrittenOnlyWithinTheTenure_AndRoundTrips()
    {
        DynamoDbLeaseStore store = await NewStoreAsync();
        await store.CreateLeaseIfNotExistsAsync(new Lease { LeaseKey = "shard", Checkpoint = LeaseCheckpoint.Latest }, CancellationToken.None);
        Lease held = (await store.TryTakeLeaseAsync((await store.GetLeaseAsync("shard", CancellationToken.None))!, "owner", CancellationToken.None))!;
        var opened = new DateTimeOffset(2026, 12, 6, 12, 0, 0, 123, TimeSpan.Zero);

        await store.UpdateStartingTimestampAsync(held, opened, CancellationToken.None);

        (await store.GetLeaseAsync("shard", CancellationToken.None))!.StartingTimestamp.ShouldBe(opened);
        await store.ReleaseLeaseAsync(held, CancellationToken.None);
        await Should.ThrowAsync<LeaseLostException>(() => store.UpdateStartingTimestampAsync(held, opened.AddHours(1), CancellationToken.None));
        (await store.GetLeaseAsync("shard", CancellationToken.None))!.StartingTimestamp.ShouldBe(opened, "a new owner still finds where the shard was first opened");
    }

    [Fact]
    public async Task AMissingTable_IsAClearError_WhenCreatingItIsTurnedOff()
    {
        string table = LocalAwsStack.UniqueName("no-leases");
        var store = new DynamoDbLeaseStore(_dynamoDb, table, createTableIfMissing: false, TimeProvider.System, NullLogger<DynamoDbLeaseStore>.Instance);

        DeliveryException error = await Should.ThrowAsync<DeliveryException>(() => store.EnsureTableAsync(CancellationToken.None));

        error.Kind.ShouldBe(FailureKind.Permanent);
        error.Message.ShouldContain($"'{table}' does not exist");
    }

    public void Dispose() => _dynamoDb.Dispose();

    private async Task<DynamoDbLeaseStore> NewStoreAsync()
    {
        var store = new DynamoDbLeaseStore(_dynamoDb, LocalAwsStack.UniqueName("leases"), createTableIfMissing: true, TimeProvider.System, NullLogger<DynamoDbLeaseStore>.Instance);
        await store.EnsureTableAsync(CancellationToken.None);
        await store.EnsureTableAsync(CancellationToken.None);
        return store;
    }
}
