using System.Text;
using Delivery.Kinesis;
using Delivery.Kinesis.Leases;
using Delivery.Kinesis.Reading;
using Delivery.Pipeline;
using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Memory;
using Delivery.Testing;
using Delivery.UnitTests.Pipeline;
using Microsoft.Extensions.Logging;
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
    public async Task AReader_DoesNotCallGetRecords_WhileTheMemoryBudgetHasNoRoomForAPage_AndReadsOnOnceItHas()
    {
        string shard = _stream.AddShard();
        _stream.Put(shard, 20);
        var budget = new MemoryBudget(64 * 1024);
        Worker worker = await StartAsync("worker-1", budget: budget);
        worker.Writer.Block();
        await DriveUntil(() => worker.Writer.Attempts > 0, "the first page is being delivered");
        int reads = _stream.Reads.Count(read => read.ShardId == shard);

        _stream.Put(shard, 30);
        await Drive(TimeSpan.FromSeconds(10));

        _stream.Reads.Count(read => read.ShardId == shard).ShouldBe(reads, "a full page of these records does not fit beside the undelivered one, so it is not read");
        budget.HasWaiters.ShouldBeTrue("the reader waits for room before it reads");
        worker.Writer.Unblock();
        await DriveUntil(() => CheckpointOf(shard) == _stream.LastSequenceNumber(shard), "the rest is read and delivered once the first page is");
        DeliveredData(worker, shard).ShouldBe(Enumerable.Range(0, 50).Select(n => $"{shard}:{n}"));
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
    public async Task ARenewalThatWasAppliedButWhoseReplyWasLost_DoesNotLoseTheLease()
    {
        string shard = _stream.AddShard();
        _stream.Put(shard, 20);
        Worker worker = await StartAsync("worker-1", intervalSeconds: 300);
        await DriveUntil(() => worker.Coordinator.HeldShards.GetValueOrDefault(shard) == ShardConsumerState.Reading, "the shard is being read");

        _store.LoseNextRenewalReply(shard);
        await Drive(TimeSpan.FromSeconds(10));

        _store.History.Count(change => change.LeaseKey == shard).ShouldBe(1, "the lease never left the worker, so it was never taken again");
        worker.Coordinator.HeldShards.GetValueOrDefault(shard).ShouldBe(ShardConsumerState.Reading, "the table still says the lease is this worker's, in the same tenure");
        _stream.IteratorRequests.Count(request => request.ShardId == shard).ShouldBe(1, "the shard was not dropped and read again");
    }

    [Fact]
    public async Task LeaseRoundsThatKeepFailing_AreNotCountedAsCompleted_AndStopTheWorkerAfterFiveMinutes()
    {
        string shard = _stream.AddShard();
        _stream.Put(shard, 5);
        Worker worker = await StartAsync("worker-1");
        await DriveUntil(() => CheckpointOf(shard) == _stream.LastSequenceNumber(shard), "the shard is delivered");
        DateTimeOffset lastGoodRound = worker.Coordinator.LastTakeRoundAt!.Value;

        // DynamoDB access revoked: every listing and every renewal is refused from now on.
        _store.ListingFailure = new HttpRequestException("AccessDeniedException: not authorized to perform dynamodb:Scan");
        _store.CutOff("worker-1");
        await Drive(TimeSpan.FromSeconds(40));

        worker.Coordinator.LastTakeRoundAt!.Value.ShouldBeLessThanOrEqualTo(lastGoodRound.AddSeconds(1), "a failed round is not a completed one, so liveness sees the stall");
        worker.Coordinator.HeldShards.ShouldBeEmpty("the lease could not be renewed");
        worker.Coordinator.Completion.IsCompleted.ShouldBeFalse("a few failed rounds may be a passing outage");

        await Drive(TimeSpan.FromMinutes(5), step: TimeSpan.FromMilliseconds(500));

        worker.Coordinator.Completion.IsFaulted.ShouldBeTrue("after five minutes without a lease round the worker exits (code 1) instead of idling");
        worker.Coordinator.Completion.Exception!.InnerException!.Message.ShouldContain("not authorized to perform dynamodb:Scan");
    }

    [Fact]
    public async Task ACheckpointSentByAWorkerThatJustLostItsLease_IsRejected_AndTheWorkerStopsTheShard()
    {
        string shard = _stream.AddShard();
        _stream.Put(shard, 20);
        Worker worker = await StartAsync("worker-1");
        worker.Writer.Block();
        await DriveUntil(() => worker.Writer.Attempts > 0, "a batch is being written");
        Lease stolen = _store[shard];

        // Taken after its expiry by another worker, before this one's renewer could notice: the batch in flight is
        // delivered and acknowledged, and its checkpoint goes out under the old tenure.
        _store.Steal(shard, "other");
        int writesBefore = _store.CheckpointWrites.Count;
        worker.Writer.Unblock();
        await DriveUntil(() => worker.Coordinator.HeldShards.Count == 0, "the worker lets the shard go", eachStep: () => _store.RenewAllOf("other"));

        worker.Writer.Delivered.ShouldNotBeEmpty("the batch reached the destination");
        _store.CheckpointWrites.Skip(writesBefore).ShouldBeEmpty("its checkpoint was refused");
        _store[shard].Owner.ShouldBe("other");
        _store[shard].Checkpoint.ShouldBe(stolen.Checkpoint);
    }

    [Fact]
    public async Task ACheckpointFromAnEarlierTenureOfTheSameWorker_IsRejected_AndTheLaterTenureDeliversTheShard()
    {
        string shard = _stream.AddShard();
        _stream.Put(shard, 20);
        Worker worker = await StartAsync("worker-1");
        worker.Writer.Block();
        await DriveUntil(() => worker.Writer.Attempts > 0, "a batch is being written");
        long earlier = _store[shard].Tenure;

        // The same worker id takes the lease again (as after a partition, or a restart with a fixed id) while a batch of
        // the earlier tenure is still in flight. Only the tenure tells the two apart.
        _store.Steal(shard, "worker-1");
        worker.Writer.Unblock();
        await DriveUntil(() => CheckpointOf(shard) == _stream.LastSequenceNumber(shard), "the shard is delivered to its end");

        _store[shard].Tenure.ShouldNotBe(earlier);
        _store.CheckpointWrites.Where(write => write.Tenure == earlier).ShouldAllBe(write => write.Checkpoint.Position == null, "nothing of the earlier tenure was checkpointed after the take");
        DeliveredData(worker, shard).Distinct().Count().ShouldBe(20);
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
    public async Task AMergedChild_IsReadOnlyAfterBothParentsAreAtShardEnd()
    {
        string left = _stream.AddShard();
        string right = _stream.AddShard();
        _stream.Put(left, 10);
        _stream.Put(right, 30);
        _stream.Close(left);
        _stream.Close(right);
        string merged = _stream.AddShard(left, right);
        _stream.Put(merged, 5);
        Worker worker = await StartAsync("worker-1", reading: new ReadingOptions { MaxRecordsPerRead = 5 });

        await DriveUntil(() => CheckpointOf(merged) == _stream.LastSequenceNumber(merged), "the merged child is checkpointed");

        _store[merged].ParentShardIds.ShouldBe([left, right], ignoreOrder: true);
        var writes = _store.CheckpointWrites.ToList();
        int lastParentEnd = writes.FindLastIndex(write => write.LeaseKey != merged && write.Checkpoint.IsShardEnd);
        int firstChild = writes.FindIndex(write => write.LeaseKey == merged);
        lastParentEnd.ShouldBeLessThan(firstChild, "the child waits for the parent that takes longer");
        _stream.IteratorRequests.FindIndex(request => request.ShardId == merged)
            .ShouldBeGreaterThan(_stream.IteratorRequests.FindLastIndex(request => request.ShardId == right));
        DeliveredData(worker, merged).ShouldBe(Enumerable.Range(0, 5).Select(n => $"{merged}:{n}"));
    }

    [Fact]
    public async Task TheChildShardsGetRecordsNamesAtAShardsEnd_GetLeasesAtOnce_EvenBeforeListShardsShowsThem()
    {
        _stream.ReturnsChildShards = true;
        string parent = _stream.AddShard();
        _stream.Put(parent, 10);
        await StartAsync("worker-1");
        await DriveUntil(() => CheckpointOf(parent) == _stream.LastSequenceNumber(parent), "the parent is delivered");
        _stream.Close(parent);
        string left = _stream.AddShard(parent);
        string right = _stream.AddShard(parent);
        _stream.HideFromListing(left);
        _stream.HideFromListing(right);
        _stream.Put(left, 3);

        await DriveUntil(() => CheckpointOf(left) == _stream.LastSequenceNumber(left), "the child named by GetRecords is read");

        _store[parent].Checkpoint.ShouldBe(LeaseCheckpoint.ShardEnd);
        _store[parent].ChildShardIds.ShouldBe([left, right], ignoreOrder: true);
        _store[right].ParentShardIds.ShouldBe([parent]);
        _store[right].Checkpoint.ShouldBe(LeaseCheckpoint.TrimHorizon);
    }

    [Fact]
    public async Task LeasesOfShardsThatAgedOut_AreRemoved_ButNotThoseOfNewChildrenTheListingDoesNotShowYet()
    {
        string finished = _stream.AddShard();
        string unread = _stream.AddShard();
        string open = _stream.AddShard();
        string newChild = _stream.AddShard(open);
        _stream.Put(finished, 3);
        _stream.Close(finished);
        await _store.CreateLeaseIfNotExistsAsync(new Lease { LeaseKey = finished, Checkpoint = LeaseCheckpoint.ShardEnd }, CancellationToken.None);
        await _store.CreateLeaseIfNotExistsAsync(new Lease { LeaseKey = unread, Owner = "someone-gone", Counter = 1 }, CancellationToken.None);
        await _store.CreateLeaseIfNotExistsAsync(new Lease { LeaseKey = newChild, ParentShardIds = [open] }, CancellationToken.None);
        _stream.HideFromListing(finished);
        _stream.HideFromListing(unread);
        _stream.HideFromListing(newChild);
        var logs = new CapturingLoggerProvider();
        await StartAsync("worker-1", loggers: logs);

        await DriveUntil(() => _store.All.Count == 2, "the aged-out leases are removed");
        await Drive(TimeSpan.FromSeconds(5));

        _store.All.Select(lease => lease.LeaseKey).ShouldBe([open, newChild], ignoreOrder: true, "a child whose parent is still listed is new, not aged out");
        logs.Entries.ShouldContain(entry => entry.EventId.Name == "UnreadShardAgedOut" && entry.Message.Contains(unread, StringComparison.Ordinal));
        logs.Entries.ShouldContain(entry => entry.EventId.Name == "LeaseOfAgedOutShardRemoved" && entry.Message.Contains(finished, StringComparison.Ordinal));
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
    public async Task ShardsThrottledTogether_DoNotRetryInStep()
    {
        List<string> shards = [.. Enumerable.Range(0, 10).Select(_ => _stream.AddShard())];
        await StartAsync("worker-1");
        await DriveUntil(() => shards.All(shard => _stream.Reads.Any(read => read.ShardId == shard)), "every shard is read");
        for (int i = 0; i < shards.Count; i++)
        {
            _stream.FailNextGetRecords(new Delivery.Kinesis.Client.ProvisionedThroughputExceededException("Rate exceeded for shard"));
        }

        await Drive(TimeSpan.FromSeconds(5));

        var retries = new List<TimeSpan>();
        foreach (string shard in shards)
        {
            var reads = _stream.Reads.Where(read => read.ShardId == shard).ToList();
            int failed = reads.FindIndex(read => read.Returned < 0);
            failed.ShouldBeGreaterThanOrEqualTo(0, $"{shard} was not throttled");
            TimeSpan retry = reads[failed + 1].At - reads[failed].At;
            retry.ShouldBeInRange(TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(650), "twice the read interval, plus up to half again");
            retries.Add(retry);
        }

        retries.Distinct().Count().ShouldBeGreaterThan(1, "the jitter spreads the retries");
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
    public async Task AStopWhoseGracePeriodRunsOut_ReleasesTheLeasesBeforeItReturns()
    {
        string shard = _stream.AddShard();
        _stream.Put(shard, 10);
        Worker worker = await StartAsync("worker-1");
        worker.Writer.Block();
        await DriveUntil(() => worker.Writer.Attempts > 0, "a batch is being written");

        using var grace = new CancellationTokenSource();
        Task stopping = worker.Coordinator.StopAsync(grace.Token);
        await grace.CancelAsync();
        await stopping;

        // The host disposes the DynamoDB client as soon as the stop returns: a release after that never reaches the table
        // and the next owner waits for the lease to expire.
        _store[shard].Owner.ShouldBeNull("the lease is released before the stop returns");
        _store[shard].PendingBatches.ShouldNotBeEmpty("the undelivered batch stays planned for the next owner");
        _store[shard].Checkpoint.Position.ShouldBeNull();
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
    public async Task AShardWhoseCheckpointAgedOut_IsReadOnFromTheTrimHorizon_AndTheWorkerKeepsRunning()
    {
        string shard = _stream.AddShard();
        string other = _stream.AddShard();
        _stream.Put(shard, 10);
        Worker first = await StartAsync("worker-1");
        await DriveUntil(() => CheckpointOf(shard) == _stream.LastSequenceNumber(shard), "the first ten records are delivered");
        await first.Coordinator.StopAsync(CancellationToken.None);

        // The destination was down for longer than the stream's retention: the checkpoint and the five records after it
        // aged out before anybody read them.
        _stream.Put(shard, 10);
        _stream.Trim(shard, 15);
        _stream.Put(other, 3);
        Worker second = await StartAsync("worker-2");
        await DriveUntil(() => CheckpointOf(shard) == _stream.LastSequenceNumber(shard) && CheckpointOf(other) == _stream.LastSequenceNumber(other), "both shards are delivered to their last record");

        second.Coordinator.Completion.IsCompleted.ShouldBeFalse("one shard's aged-out records never stop the worker");
        DeliveredData(second, shard).ShouldBe(Enumerable.Range(15, 5).Select(n => $"{shard}:{n}"), "reading goes on at the trim horizon");
        DeliveredData(second, other).Count.ShouldBe(3);
    }

    [Fact]
    public async Task AShardThatVanishedFromTheStream_StopsOnlyThatShard_AndItsLeaseIsRemoved()
    {
        string gone = _stream.AddShard();
        string other = _stream.AddShard();
        _stream.Put(gone, 2);
        _stream.Put(other, 4);
        _stream.HideFromListing(gone);
        _stream.FailNextGetShardIterator(new Delivery.Kinesis.Client.ResourceNotFoundException($"Shard {gone} in stream {_stream.StreamName} under account 000000000000 does not exist"));
        var loggers = new CapturingLoggerProvider();
        await _store.CreateLeaseIfNotExistsAsync(new Lease { LeaseKey = gone, Checkpoint = LeaseCheckpoint.TrimHorizon }, CancellationToken.None);
        Worker worker = await StartAsync("worker-1", loggers: loggers);

        await DriveUntil(() => CheckpointOf(other) == _stream.LastSequenceNumber(other) && CheckpointOf(gone) is null, "the other shard is delivered and the vanished shard's lease removed");

        worker.Coordinator.Completion.IsCompleted.ShouldBeFalse("a shard that aged out of the stream never stops the worker");
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

    [Fact]
    public async Task StartingAtLatest_AShardSplitTwiceBetweenSyncs_LeasesTheWholeLineage_SoNoChildIsReadBeforeItsParentOrFromLatest()
    {
        string root = _stream.AddShard();
        Worker worker = await StartAsync("worker-1", initialPosition: InitialPosition.Latest, shardSyncSeconds: 1);
        await DriveUntil(() => _stream.Reads.Any(read => read.ShardId == root), "the root shard is read at LATEST");
        worker.Writer.Block();
        _stream.Put(root, 3);
        await DriveUntil(() => worker.Writer.Attempts > 0, "the root's records are being delivered");

        // While the root is still being delivered, it splits, and one of its children splits again before any sync ran.
        _stream.Close(root);
        string closedChild = _stream.AddShard(root);
        string openChild = _stream.AddShard(root);
        _stream.Put(closedChild, 4);
        _stream.Close(closedChild);
        string grandchildA = _stream.AddShard(closedChild);
        string grandchildB = _stream.AddShard(closedChild);
        _stream.Put(grandchildA, 5);
        _stream.Put(grandchildB, 6);
        _stream.Put(openChild, 2);
        await Drive(TimeSpan.FromSeconds(5));

        _store[closedChild].ParentShardIds.ShouldBe([root], "a closed shard descending from a leased one is part of the stream being read");
        _store[grandchildA].ParentShardIds.ShouldBe([closedChild]);
        _store[grandchildA].Checkpoint.ShouldBe(LeaseCheckpoint.TrimHorizon, "its records follow its parent's directly");
        _stream.Reads.ShouldNotContain(read => read.ShardId == grandchildA || read.ShardId == grandchildB, "no child is read before its parents are finished");

        worker.Writer.Unblock();
        await DriveUntil(
            () => new[] { root, closedChild, openChild, grandchildA, grandchildB }.All(shard => CheckpointOf(shard) == LeaseCheckpoint.ShardEndValue || CheckpointOf(shard) == _stream.LastSequenceNumber(shard)),
            "every shard of the lineage is delivered");
        DeliveredData(worker, closedChild).ShouldBe(_stream.DataOf(closedChild));
        DeliveredData(worker, grandchildA).ShouldBe(_stream.DataOf(grandchildA));
        DeliveredData(worker, grandchildB).ShouldBe(_stream.DataOf(grandchildB));
    }

    [Fact]
    public async Task AManualReplay_StartsTheNamedShardAtItsSequenceNumber_AndOtherShardsAtTrimHorizon()
    {
        string replayed = _stream.AddShard();
        string other = _stream.AddShard();
        IReadOnlyList<string> sequences = _stream.Put(replayed, 10);
        _stream.Put(other, 3);
        Worker worker = await StartAsync("worker-1", initialPosition: InitialPosition.AtSequenceNumber, startingSequenceNumbers: new() { [replayed] = sequences[6] });

        await DriveUntil(() => CheckpointOf(replayed) == _stream.LastSequenceNumber(replayed) && CheckpointOf(other) == _stream.LastSequenceNumber(other), "both shards are checkpointed");

        DeliveredData(worker, replayed).ShouldBe(Enumerable.Range(6, 4).Select(n => $"{replayed}:{n}"), "the named record and those after it");
        DeliveredData(worker, other).ShouldBe(Enumerable.Range(0, 3).Select(n => $"{other}:{n}"));
    }

    [Fact]
    public async Task AManualReplayFromASequenceNumberNotInTheShard_StopsTheWorker_NamingTheSetting()
    {
        string shard = _stream.AddShard();
        _stream.Put(shard, 3);
        Worker worker = await StartAsync("worker-1", initialPosition: InitialPosition.AtSequenceNumber, startingSequenceNumbers: new() { [shard] = "123456789" });

        await DriveUntil(() => worker.Coordinator.Completion.IsCompleted, "the coordinator gives up");

        worker.Coordinator.Completion.Exception!.InnerException!.Message.ShouldContain($"cannot start at sequence number 123456789 (Kinesis:StartingSequenceNumbers:{shard})");
    }

    [Fact]
    public async Task KplAggregates_AreDeliveredAsTheirUserRecords_AndTheCheckpointCarriesTheSubsequenceNumber()
    {
        string shard = _stream.AddShard();
        string plain = _stream.Put(shard, Encoding.UTF8.GetBytes("plain"), "p");
        string aggregated = _stream.Put(shard, KplAggregate.Build([new("a", Encoding.UTF8.GetBytes("one")), new("b", Encoding.UTF8.GetBytes("two")), new("a", Encoding.UTF8.GetBytes("three"))]), "agg");
        byte[] corrupt = KplAggregate.WithBadChecksum([new("c", Encoding.UTF8.GetBytes("four"))]);
        string corrupted = _stream.Put(shard, corrupt, "bad");
        string last = _stream.Put(shard, KplAggregate.Build([new("d", Encoding.UTF8.GetBytes("five")), new("d", Encoding.UTF8.GetBytes("six"))]), "agg");
        Worker worker = await StartAsync("worker-1");

        await DriveUntil(() => _store.All.Any(lease => lease.Checkpoint == new LeaseCheckpoint(last, 1)), "the checkpoint is at the last user record");

        List<SourceRecord> records = [.. worker.Writer.Delivered.SelectMany(batch => batch.Records)];
        records.Select(record => (record.Position, record.PartitionKey)).ShouldBe(
        [
            (new ShardPosition(plain), "p"),
            (new ShardPosition(aggregated, 0), "a"), (new ShardPosition(aggregated, 1), "b"), (new ShardPosition(aggregated, 2), "a"),
            (new ShardPosition(corrupted), "bad"),
            (new ShardPosition(last, 0), "d"), (new ShardPosition(last, 1), "d"),
        ]);
        records.Select(record => record.Data.ToArray()).ShouldBe(
            [.. new[] { "plain", "one", "two", "three" }.Select(Encoding.UTF8.GetBytes), corrupt, .. new[] { "five", "six" }.Select(Encoding.UTF8.GetBytes)]);
    }

    [Fact]
    public async Task AShardCheckpointedInsideAnAggregate_ResumesWithTheNextUserRecord()
    {
        string shard = _stream.AddShard();
        string aggregated = _stream.Put(shard, KplAggregate.Build([.. Enumerable.Range(0, 5).Select(i => new KplAggregate.UserRecord("k", Encoding.UTF8.GetBytes($"user-{i}")))]), "agg");
        _stream.Put(shard, Encoding.UTF8.GetBytes("after"), "p");
        await _store.CreateLeaseIfNotExistsAsync(new Lease { LeaseKey = shard, Checkpoint = new LeaseCheckpoint(aggregated, 2) }, CancellationToken.None);
        Worker worker = await StartAsync("worker-1");

        await DriveUntil(() => CheckpointOf(shard) == _stream.LastSequenceNumber(shard), "the shard is checkpointed at its last record");

        worker.Writer.Delivered.SelectMany(batch => batch.Records).Select(Data).ShouldBe(["user-3", "user-4", "after"]);
        _stream.IteratorRequests.First().StartingSequenceNumber.ShouldBe(aggregated, "the aggregate is read again from its start");
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

    private async Task<Worker> StartAsync(
        string workerId,
        ReadingOptions? reading = null,
        InitialPosition initialPosition = InitialPosition.TrimHorizon,
        int intervalSeconds = 1,
        Dictionary<string, string>? startingSequenceNumbers = null,
        int shardSyncSeconds = 60,
        CapturingLoggerProvider? loggers = null,
        MemoryBudget? budget = null)
    {
        var options = new KinesisSourceOptions
        {
            StreamName = _stream.StreamName,
            InitialPosition = initialPosition,
            StartingSequenceNumbers = startingSequenceNumbers ?? [],
            Leases = new LeaseOptions { LeaseDurationSeconds = 3, ShardSyncIntervalSeconds = shardSyncSeconds },
            Reading = reading ?? new ReadingOptions(),
        };
        var worker = new Worker(workerId, options, _stream, _store, _time, intervalSeconds, loggers, budget);
        _workers.Add(worker);
        await worker.Coordinator.StartAsync(CancellationToken.None);
        return worker;
    }

    /// <summary>Moves the fake clock in small steps, letting the workers' loops run in between.</summary>
    private async Task Drive(TimeSpan duration, Action? eachStep = null, TimeSpan? step = null)
    {
        TimeSpan stride = step ?? TimeSpan.FromMilliseconds(50);
        for (TimeSpan driven = TimeSpan.Zero; driven < duration; driven += stride)
        {
            eachStep?.Invoke();
            _time.Advance(stride);
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
        public Worker(string id, KinesisSourceOptions options, FakeKinesisStream stream, InMemoryLeaseStore store, FakeTimeProvider time, int intervalSeconds = 1, CapturingLoggerProvider? loggers = null, MemoryBudget? budget = null)
        {
            Pipeline = new DeliveryPipeline(
                new PipelineSettings { Name = "p", Buffering = new BufferingHints { SizeInMBs = 1, IntervalInSeconds = intervalSeconds } },
                Writer,
                new RecordingBackupWriter(),
                budget ?? new MemoryBudget(64L * 1024 * 1024),
                time,
                NullLogger<DeliveryPipeline>.Instance);
            Pipeline.Start();
            ILogger<LeaseCoordinator> logger = loggers is null
                ? NullLogger<LeaseCoordinator>.Instance
                : new LoggerFactory([loggers]).CreateLogger<LeaseCoordinator>();
            Coordinator = new LeaseCoordinator(id, options, stream, store, Pipeline, time, logger);
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
