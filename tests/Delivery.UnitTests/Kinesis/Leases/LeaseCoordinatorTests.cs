using Delivery.Kinesis;
using Delivery.Kinesis.Leases;
using Delivery.Kinesis.Reading;
using Delivery.Pipeline;
using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Memory;
using Delivery.Testing;
using Delivery.UnitTests.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.UnitTests.Kinesis.Leases;

public sealed class LeaseCoordinatorTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly InMemoryLeaseStore _store = new();
    private readonly FakeKinesisStream _stream;
    private readonly List<Worker> _workers = [];

    public LeaseCoordinatorTests()
    {
        _stream = new FakeKinesisStream("orders", _time);
    }

    [Fact]
    public async Task EveryShard_IsReadDeliveredAndCheckpointed_AndItsLeaseReleasedOnStop()
    {
        string a = _stream.AddShard();
        string b = _stream.AddShard();
        _stream.Put(a, 50);
        _stream.Put(b, 70);
        Worker worker = await StartAsync("worker-1");

        await DriveUntil(() => CheckpointOf(a) == _stream.LastSequenceNumber(a) && CheckpointOf(b) == _stream.LastSequenceNumber(b), "both shards are checkpointed at their last record");
        await worker.Coordinator.StopAsync(CancellationToken.None);

        DeliveredData(worker, a).ShouldBe(Enumerable.Range(0, 50).Select(n => $"{a}:{n}"));
        DeliveredData(worker, b).ShouldBe(Enumerable.Range(0, 70).Select(n => $"{b}:{n}"));
        _store[a].Owner.ShouldBeNull("a stopped worker releases its leases so peers take them at once");
        _store[b].Owner.ShouldBeNull();
    }

    [Fact]
    public async Task AWorkerThatDiesAfterWritingABatch_IsReplaced_AndTheBatchIsCutAgainUnderTheSameId()
    {
        string shard = _stream.AddShard();
        _stream.Put(shard, 30);
        Worker first = await StartAsync("worker-1");
        first.Writer.HangAfterWriting = true;

        await DriveUntil(() => !first.Writer.Written.IsEmpty, "the first worker writes a batch");
        DeliveryBatch written = first.Writer.Written.Single();
        _store[shard].PendingBatches.ShouldBe([new PlannedBatch(written.Source.First, written.Source.Last)], "the plan is in the lease before the object is written");
        _store.CutOff("worker-1");
        _stream.Put(shard, 10);

        Worker second = await StartAsync("worker-2");
        await DriveUntil(() => CheckpointOf(shard) == _stream.LastSequenceNumber(shard), "the second worker checkpoints the shard's last record");

        DeliveryBatch again = second.Writer.Delivered.First();
        again.Id.ShouldBe(written.Id, "the new owner cuts the planned batch at the same points, so it overwrites the object");
        again.Records.Select(Data).ShouldBe(written.Records.Select(Data));
        DeliveredData(second, shard).ShouldBe(Enumerable.Range(0, 40).Select(n => $"{shard}:{n}"));
        _store.CheckpointWrites.Where(write => write.Owner == "worker-1").ShouldAllBe(write => write.Checkpoint.Position == null);
    }

    [Fact]
    public async Task ALostLease_StopsTheShard_AndItsFormerOwnerNeverCheckpointsItAgain()
    {
        string shard = _stream.AddShard();
        _stream.Put(shard, 20);
        Worker worker = await StartAsync("worker-1");
        worker.Writer.Block();
        await DriveUntil(() => worker.Writer.Attempts > 0, "a batch is being written");

        _store.Steal(shard, "thief");
        int writesBeforeSteal = _store.CheckpointWrites.Count;
        await DriveUntil(() => worker.Coordinator.HeldShards.Count == 0, "the worker lets the shard go", eachStep: () => _store.RenewAllOf("thief"));
        worker.Writer.Unblock();
        _stream.Put(shard, 20);
        await Drive(TimeSpan.FromSeconds(10), eachStep: () => _store.RenewAllOf("thief"));

        _store.CheckpointWrites.Skip(writesBeforeSteal).ShouldNotContain(write => write.Owner == "worker-1");
        _store[shard].Owner.ShouldBe("thief");
    }

    [Fact]
    public async Task AClosedParent_IsDeliveredAndCheckpointedAtShardEnd_BeforeItsChildrenAreRead()
    {
        string parent = _stream.AddShard();
        _stream.Put(parent, 10);
        _stream.Close(parent);
        string left = _stream.AddShard(parent);
        string right = _stream.AddShard(parent);
        _stream.Put(left, 5);
        _stream.Put(right, 5);
        Worker worker = await StartAsync("worker-1");

        await DriveUntil(() => CheckpointOf(left) == _stream.LastSequenceNumber(left) && CheckpointOf(right) == _stream.LastSequenceNumber(right), "both children are checkpointed");

        _store[parent].Checkpoint.ShouldBe(LeaseCheckpoint.ShardEnd);
        _store[parent].ChildShardIds.ShouldBe([left, right], ignoreOrder: true);
        _store[left].ParentShardIds.ShouldBe([parent]);
        var writes = _store.CheckpointWrites.ToList();
        int shardEnd = writes.FindIndex(write => write.LeaseKey == parent && write.Checkpoint.IsShardEnd);
        int firstChild = writes.FindIndex(write => write.LeaseKey != parent);
        shardEnd.ShouldBeLessThan(firstChild, "children are read only after the parent's SHARD_END");
        DeliveredData(worker, parent).ShouldBe(Enumerable.Range(0, 10).Select(n => $"{parent}:{n}"));
    }

    [Fact]
    public async Task AShard_IsReadAtMostFiveTimesASecond()
    {
        string shard = _stream.AddShard();
        _stream.Put(shard, 5000);
        await StartAsync("worker-1", reading: new ReadingOptions { MaxRecordsPerRead = 10 });

        await Drive(TimeSpan.FromSeconds(10));

        var reads = _stream.Reads.Where(read => read.ShardId == shard).Select(read => read.At).ToList();
        reads.Count.ShouldBeGreaterThan(10);
        for (int i = 5; i < reads.Count; i++)
        {
            (reads[i] - reads[i - 5]).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1), "six reads of one shard fell within a second");
        }
    }

    [Fact]
    public async Task ACaughtUpShard_IsPolledAtTheIdleInterval()
    {
        string shard = _stream.AddShard();
        await StartAsync("worker-1", reading: new ReadingOptions { IdleMillisBetweenReads = 2000 });
        await DriveUntil(() => _stream.Reads.Count > 0, "the shard is read");

        await Drive(TimeSpan.FromSeconds(20));

        _stream.Reads.Count(read => read.ShardId == shard).ShouldBeInRange(9, 12);
    }

    [Fact]
    public async Task Throttling_IsBackedOffIncreasingly_NeverSpunOn()
    {
        string shard = _stream.AddShard();
        _stream.Put(shard, 5);
        for (int i = 0; i < 4; i++)
        {
            _stream.FailNextGetRecords(new Delivery.Kinesis.Client.ProvisionedThroughputExceededException("Rate exceeded for shard"));
        }

        Worker worker = await StartAsync("worker-1");
        await DriveUntil(() => CheckpointOf(shard) == _stream.LastSequenceNumber(shard), "the shard is delivered after the throttling");

        var failed = _stream.Reads.Where(read => read.Returned < 0).Select(read => read.At).ToList();
        failed.Count.ShouldBe(4);
        TimeSpan[] gaps = [.. failed.Zip(failed.Skip(1), (earlier, later) => later - earlier)];
        gaps.ShouldAllBe(gap => gap >= TimeSpan.FromMilliseconds(400));
        gaps.ShouldBe(gaps.Order().ToArray(), "each backoff is at least as long as the one before");
        DeliveredData(worker, shard).Count.ShouldBe(5);
    }

    [Fact]
    public async Task AnExpiredIterator_IsReopenedWhereReadingStood_WithoutLossOrDuplicates()
    {
        string shard = _stream.AddShard();
        _stream.Put(shard, 10);
        Worker worker = await StartAsync("worker-1");
        await DriveUntil(() => CheckpointOf(shard) == _stream.LastSequenceNumber(shard), "the first records are delivered");
        string lastRead = _stream.LastSequenceNumber(shard);

        _stream.FailNextGetRecords(new Delivery.Kinesis.Client.ExpiredIteratorException("Iterator expired"));
        _stream.Put(shard, 10);
        await DriveUntil(() => CheckpointOf(shard) == _stream.LastSequenceNumber(shard), "the later records are delivered");

        _stream.IteratorRequests.Last().StartingSequenceNumber.ShouldBe(lastRead);
        DeliveredData(worker, shard).ShouldBe(Enumerable.Range(0, 20).Select(n => $"{shard}:{n}"));
    }

    [Fact]
    public async Task AStreamThatDoesNotExist_StopsStartWithAMessageNamingIt()
    {
        var worker = new Worker("worker-1", new KinesisSourceOptions { StreamName = "no-such-stream" }, _stream, _store, _time);
        _workers.Add(worker);

        DeliveryException error = await Should.ThrowAsync<DeliveryException>(() => worker.Coordinator.StartAsync(CancellationToken.None));

        error.Kind.ShouldBe(FailureKind.Permanent);
        error.Message.ShouldContain("'no-such-stream' was not found");
    }

    [Fact]
    public async Task AClosedShard_IsNotMarkedShardEnd_WhenItsRecordsCouldNotBeDeliveredBeforeStop()
    {
        string parent = _stream.AddShard();
        _stream.Put(parent, 10);
        _stream.Close(parent);
        Worker worker = await StartAsync("worker-1");
        worker.Writer.Block();
        await DriveUntil(() => worker.Writer.Attempts > 0, "the closed shard's batch is being written");

        using var grace = new CancellationTokenSource();
        Task stopping = worker.Coordinator.StopAsync(grace.Token);
        await grace.CancelAsync();
        await worker.Pipeline.StopAsync(grace.Token);
        await stopping;

        _store[parent].Checkpoint.IsShardEnd.ShouldBeFalse("its records were never delivered");
        _store[parent].PendingBatches.ShouldNotBeEmpty("the next owner must cut the same batch again");
    }

    [Fact]
    public async Task AShardStartingAtLatest_RemembersWhereItStarted_SoANewOwnerDoesNotSkipWhatWasReadBeforeACrash()
    {
        string shard = _stream.AddShard();
        _stream.Put(shard, 5);
        Worker first = await StartAsync("worker-1", initialPosition: InitialPosition.Latest, intervalSeconds: 300);
        await DriveUntil(() => _stream.Reads.Count > 0, "the shard is read at LATEST");
        IReadOnlyList<string> afterStart = _stream.Put(shard, 7);
        await DriveUntil(() => _store[shard].StartingSequenceNumber is not null, "the first record read is recorded");
        _store[shard].StartingSequenceNumber.ShouldBe(afterStart[0]);
        _store.CutOff("worker-1");

        Worker second = await StartAsync("worker-2", initialPosition: InitialPosition.Latest);
        await DriveUntil(() => CheckpointOf(shard) == _stream.LastSequenceNumber(shard), "the new owner delivers the records the first one only buffered");

        DeliveredData(second, shard).ShouldBe(Enumerable.Range(5, 7).Select(n => $"{shard}:{n}"));
        first.Writer.Written.ShouldBeEmpty();
    }

    [Fact]
    public async Task APermanentReadError_FaultsTheCoordinator_SoTheWorkerStops()
    {
        string shard = _stream.AddShard();
        _stream.Put(shard, 5);
        _stream.FailNextGetRecords(new Delivery.Kinesis.Client.AmazonKinesisException(
            "User is not authorized to perform kinesis:GetRecords", FailureKind.Permanent, "AccessDeniedException", System.Net.HttpStatusCode.BadRequest));
        Worker worker = await StartAsync("worker-1");

        await DriveUntil(() => worker.Coordinator.Completion.IsCompleted, "the coordinator gives up");

        worker.Coordinator.Completion.IsFaulted.ShouldBeTrue();
        worker.Coordinator.Completion.Exception!.InnerException!.Message.ShouldContain("not authorized");
    }

    [Fact]
    public async Task ATransientErrorOpeningAShard_IsRetried_AndDoesNotStopTheWorker()
    {
        string shard = _stream.AddShard();
        _stream.Put(shard, 5);
        _stream.FailNextGetShardIterator(new Delivery.Kinesis.Client.LimitExceededException("Rate exceeded"));
        _stream.FailNextGetShardIterator(new Delivery.Kinesis.Client.AmazonKinesisException("Internal failure"));
        Worker worker = await StartAsync("worker-1");

        await DriveUntil(() => CheckpointOf(shard) == _stream.LastSequenceNumber(shard), "the shard is delivered after the errors");

        worker.Coordinator.Completion.IsFaulted.ShouldBeFalse();
        DeliveredData(worker, shard).Count.ShouldBe(5);
    }

    [Fact]
    public async Task StartingAtLatest_ClosedShardsAreSkipped_AndTheirChildrenStartAtLatestToo()
    {
        string parent = _stream.AddShard();
        _stream.Put(parent, 5);
        _stream.Close(parent);
        string child = _stream.AddShard(parent);
        _stream.Put(child, 5);
        await StartAsync("worker-1", initialPosition: InitialPosition.Latest);

        await DriveUntil(() => CheckpointOf(child) is not null, "the child has a lease");

        Should.Throw<KeyNotFoundException>(() => _store[parent]);
        _store[child].ParentShardIds.ShouldBeEmpty();
        _store[child].Checkpoint.ShouldBe(LeaseCheckpoint.Latest);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (Worker worker in _workers)
        {
            worker.Writer.Unblock();
            worker.Writer.HangAfterWriting = false;
            await worker.DisposeAsync();
        }
    }

    private static string Data(SourceRecord record) => System.Text.Encoding.UTF8.GetString(record.Data.Span);

    private static List<string> DeliveredData(Worker worker, string shard) =>
        [.. worker.Writer.Delivered.Where(batch => batch.Source.ShardId == shard).OrderBy(batch => batch.Source.First).SelectMany(batch => batch.Records).Select(Data)];

    private string? CheckpointOf(string shard)
    {
        try
        {
            return _store[shard].Checkpoint.Value;
        }
        catch (KeyNotFoundException)
        {
            return null;
        }
    }

    private async Task<Worker> StartAsync(string workerId, ReadingOptions? reading = null, InitialPosition initialPosition = InitialPosition.TrimHorizon, int intervalSeconds = 1)
    {
        var options = new KinesisSourceOptions
        {
            StreamName = _stream.StreamName,
            InitialPosition = initialPosition,
            Leases = new LeaseOptions { LeaseDurationSeconds = 3 },
            Reading = reading ?? new ReadingOptions(),
        };
        var worker = new Worker(workerId, options, _stream, _store, _time, intervalSeconds);
        _workers.Add(worker);
        await worker.Coordinator.StartAsync(CancellationToken.None);
        return worker;
    }

    /// <summary>Moves the fake clock in small steps, letting the workers' loops run in between.</summary>
    private async Task Drive(TimeSpan duration, Action? eachStep = null)
    {
        for (TimeSpan driven = TimeSpan.Zero; driven < duration; driven += TimeSpan.FromMilliseconds(50))
        {
            eachStep?.Invoke();
            _time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(1);
        }
    }

    private async Task DriveUntil(Func<bool> condition, string what, Action? eachStep = null)
    {
        for (int step = 0; step < 4000; step++)
        {
            if (condition())
            {
                return;
            }

            eachStep?.Invoke();
            _time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(1);
        }

        throw new TimeoutException($"Gave up waiting until {what}.");
    }

    private sealed class Worker : IAsyncDisposable
    {
        public Worker(string id, KinesisSourceOptions options, FakeKinesisStream stream, InMemoryLeaseStore store, FakeTimeProvider time, int intervalSeconds = 1)
        {
            Pipeline = new DeliveryPipeline(
                new PipelineSettings { Name = "p", Buffering = new BufferingHints { SizeInMBs = 1, IntervalInSeconds = intervalSeconds } },
                Writer,
                new RecordingBackupWriter(),
                new MemoryBudget(64L * 1024 * 1024),
                time,
                NullLogger<DeliveryPipeline>.Instance);
            Pipeline.Start();
            Coordinator = new LeaseCoordinator(id, options, stream, store, Pipeline, time, NullLogger<LeaseCoordinator>.Instance);
        }

        public RecordingBatchWriter Writer { get; } = new();

        public DeliveryPipeline Pipeline { get; }

        public LeaseCoordinator Coordinator { get; }

        public async ValueTask DisposeAsync()
        {
            await Coordinator.DisposeAsync();
            await Pipeline.DisposeAsync();
        }
    }
}
