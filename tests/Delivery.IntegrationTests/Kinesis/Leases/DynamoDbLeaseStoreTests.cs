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
