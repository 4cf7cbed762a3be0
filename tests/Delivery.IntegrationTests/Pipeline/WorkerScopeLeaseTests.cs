using System.Collections.Concurrent;
using Amazon.DynamoDBv2;
using Delivery.Kinesis.Leases;
using Delivery.Kinesis.Plans;
using Delivery.Pipeline;
using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Memory;
using Delivery.Plans;
using Delivery.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Delivery.IntegrationTests.Pipeline;

/// <summary>
/// Worker-scope plans (decision 0014) against the real lease store and plan ledger on dynalite: a lease taken by
/// another worker between the cut and the fence makes the conditional lease write fail, the plan is tombstoned in the
/// ledger, and the shard still held is written as its own range; the taken shard's records are written by nobody here.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class WorkerScopeLeaseTests(LocalAwsStack stack) : IDisposable
{
    private const string A = "shardId-000000000001";
    private const string B = "shardId-000000000002";
    private readonly AmazonDynamoDBClient _dynamoDb = stack.CreateDynamoDbClient();

    [Fact]
    public async Task ALeaseTakenBeforeTheFence_AbortsThePlanInTheLedger_AndTheHeldShardIsWrittenAlone()
    {
        var store = new DynamoDbLeaseStore(_dynamoDb, LocalAwsStack.UniqueName("leases"), createTableIfMissing: true, TimeProvider.System, NullLogger<DynamoDbLeaseStore>.Instance);
        await store.EnsureTableAsync(CancellationToken.None);
        var ledger = new DynamoDbPlanLedger(_dynamoDb, LocalAwsStack.UniqueName("plans"), createTableIfMissing: true, TimeSpan.FromDays(8), TimeProvider.System, NullLogger<DynamoDbPlanLedger>.Instance);
        await ledger.EnsureTableAsync(CancellationToken.None);
        Lease heldA = await TakeAsync(store, A, "w1");
        Lease heldB = await TakeAsync(store, B, "w1");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var writer = new CollectingWriter();
        await using var pipeline = new DeliveryPipeline(
            new PipelineSettings { Name = "p", Buffering = new BufferingHints { SizeInMBs = 1, IntervalInSeconds = 60, Scope = BufferingScope.Worker } },
            writer,
            new NoBackup(),
            new MemoryBudget(64L * 1024 * 1024),
            time,
            NullLogger<DeliveryPipeline>.Instance,
            plans: new PlanServices(ledger, new NoRangeReads()));
        pipeline.Start();
        IShardSession a = pipeline.OpenShard(new ShardSessionStart("stream", A, null, []), new StoreCheckpointer(store, heldA));
        IShardSession b = pipeline.OpenShard(new ShardSessionStart("stream", B, null, []), new StoreCheckpointer(store, heldB));
        await a.AppendAsync(Page(A, 1, 5), CancellationToken.None);
        await b.AppendAsync(Page(B, 101, 3), CancellationToken.None);

        // Another worker takes A (its lease expired while this one paused, say).
        Lease seenA = (await store.GetLeaseAsync(A, CancellationToken.None))!;
        (await store.TryTakeLeaseAsync(seenA, "w2", CancellationToken.None)).ShouldNotBeNull();
        time.Advance(TimeSpan.FromSeconds(60));

        var plan = new BatchPlan([new BatchSource("stream", A, Position(1), Position(5)), new BatchSource("stream", B, Position(101), Position(103))]);
        await Eventually.TrueAsync(
            async () => (await store.GetLeaseAsync(B, CancellationToken.None))!.Checkpoint.Position == Position(103),
            () => "B checkpoints at its last record",
            TimeSpan.FromSeconds(30),
            TimeSpan.FromMilliseconds(100));
        (await ledger.GetAsync(plan.Id, CancellationToken.None)).State.ShouldBe(PlanState.Aborted, "the plan can never be committed");
        DeliveryBatch written = writer.Batches.ShouldHaveSingleItem();
        written.Plan.ShouldBeNull();
        written.Id.ShouldBe(new BatchSource("stream", B, Position(101), Position(103)).DeterministicId());
        Lease leaseA = (await store.GetLeaseAsync(A, CancellationToken.None))!;
        leaseA.Owner.ShouldBe("w2");
        leaseA.PendingBatches.ShouldBeEmpty("the fence of A was refused, so its next owner reads A from its checkpoint");
        leaseA.Checkpoint.Position.ShouldBeNull();
        (await store.GetLeaseAsync(B, CancellationToken.None))!.PendingBatches.ShouldBeEmpty();
    }

    public void Dispose() => _dynamoDb.Dispose();

    private static ShardPosition Position(int n) => new((1000 + n).ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static RecordPage Page(string shard, int first, int count) =>
        new(shard, [.. Enumerable.Range(first, count).Select(n => new SourceRecord(Position(n), "pk", DateTimeOffset.UnixEpoch, "{\"n\":1}"u8.ToArray()))], 0);

    private static async Task<Lease> TakeAsync(DynamoDbLeaseStore store, string shard, string owner)
    {
        await store.CreateLeaseIfNotExistsAsync(new Lease { LeaseKey = shard }, CancellationToken.None);
        Lease seen = (await store.GetLeaseAsync(shard, CancellationToken.None))!;
        return (await store.TryTakeLeaseAsync(seen, owner, CancellationToken.None)).ShouldNotBeNull();
    }

    /// <summary>What the worker's lease checkpointer does: every write conditional on the tenure held.</summary>
    private sealed class StoreCheckpointer(ILeaseStore store, Lease held) : IShardCheckpointer
    {
        public Task PersistAsync(ShardPosition? checkpoint, IReadOnlyList<PlannedBatch> pendingBatches, CancellationToken cancellationToken) =>
            store.UpdateCheckpointAsync(held, checkpoint is { } position ? LeaseCheckpoint.FromPosition(position) : held.Checkpoint, pendingBatches, cancellationToken);
    }

    private sealed class CollectingWriter : IBatchWriter
    {
        public ConcurrentQueue<DeliveryBatch> Batches { get; } = new();

        public string DestinationType => "collecting";

        public Task<BatchWriteResult> WriteAsync(DeliveryBatch batch, CancellationToken cancellationToken)
        {
            Batches.Enqueue(batch.Derive([.. batch.Records.Select(record => new SourceRecord(record.Position, record.PartitionKey, record.ApproximateArrivalTimestamp, record.Data.ToArray()))], batch.Partition));
            return Task.FromResult(BatchWriteResult.Delivered);
        }
    }

    private sealed class NoBackup : IBackupWriter
    {
        public Task WriteFailedAsync(DeliveryBatch batch, string errorOutputType, IReadOnlyList<FailedRecord> records, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("nothing fails here");
    }

    private sealed class NoRangeReads : IShardRangeReader
    {
        public IAsyncEnumerable<RecordPage> ReadAsync(BatchSource range, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("no plan is completed here");
    }
}
