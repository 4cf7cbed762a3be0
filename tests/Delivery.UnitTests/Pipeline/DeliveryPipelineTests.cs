using Delivery.Pipeline;
using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Memory;
using Delivery.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.UnitTests.Pipeline;

public sealed class DeliveryPipelineTests : IAsyncDisposable
{
    private const string Shard = "shardId-000000000001";
    private readonly TimerCountingFakeTimeProvider _time = new();
    private readonly RecordingBatchWriter _writer = new();
    private readonly RecordingCheckpointer _checkpointer = new();
    private readonly RecordingBackupWriter _backup = new();
    private readonly CapturingLoggerProvider _logs = new();
    private DeliveryPipeline? _pipeline;
    private MemoryBudget _budget = new(64L * 1024 * 1024);

    [Fact]
    public async Task Batch_IsCut_WhenBufferReachesSizeHint()
    {
        IShardSession session = Open(sizeInMBs: 1, intervalSeconds: 300);

        await session.AppendAsync(Records.Page(Shard, 1, 15, size: 100 * 1024), CancellationToken.None);

        await Eventually.TrueAsync(() => _checkpointer.LastCheckpoint == Records.Position(11), "the first batch is checkpointed");
        DeliveryBatch batch = _writer.Delivered.ShouldHaveSingleItem();
        batch.Records.Count.ShouldBe(11, "10 records of 100 KiB stay under 1 MiB; the 11th reaches it");
        batch.Source.First.ShouldBe(Records.Position(1));
        batch.Source.Last.ShouldBe(Records.Position(11));
    }

    [Fact]
    public async Task Batch_IsCut_WhenIntervalElapses_AndNotBefore()
    {
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 60);
        await session.AppendAsync(Records.Page(Shard, 1, 3), CancellationToken.None);

        _time.Advance(TimeSpan.FromSeconds(59));
        await Task.Delay(50);
        _writer.Delivered.ShouldBeEmpty();

        _time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => _checkpointer.LastCheckpoint == Records.Position(3), "the interval batch is checkpointed");
        _writer.Delivered.ShouldHaveSingleItem().Records.Select(r => r.Position).ShouldBe([Records.Position(1), Records.Position(2), Records.Position(3)]);
    }

    [Fact]
    public async Task IntervalZero_DeliversEveryPageAsSoonAsItArrives()
    {
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 0);

        await session.AppendAsync(Records.Page(Shard, 1, 4), CancellationToken.None);
        await session.AppendAsync(Records.Page(Shard, 5, 2), CancellationToken.None);

        await Eventually.TrueAsync(() => _checkpointer.LastCheckpoint == Records.Position(6), "both pages are checkpointed");
        // Two delivery loops may finish the two batches in either order; each page is its own batch.
        _writer.Delivered.OrderBy(b => b.Source.First.SequenceNumber, StringComparer.Ordinal).Select(b => b.Records.Count).ShouldBe([4, 2]);
        _time.ActiveTimerCount.ShouldBe(0, "interval 0 needs no timer");
    }

    [Fact]
    public async Task AShardWhoseHeadBatchIsStuck_StopsTakingPagesAtItsInFlightLimit_SoItsLeaseItemStaysSmall()
    {
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 0);
        _writer.BlockWhere = batch => batch.Source.First == Records.Position(1);
        int limit = PipelineSettings.DefaultMaxPendingBatchesPerShard;

        // Interval 0: every page is a batch. Behind the stuck first one, the others are delivered and wait in the lease.
        Task appending = Task.Run(async () =>
        {
            for (int n = 1; n <= limit * 3; n++)
            {
                await session.AppendAsync(Records.Page(Shard, n, 1), CancellationToken.None);
            }
        });
        await Eventually.TrueAsync(() => _writer.Delivered.Count >= limit - 1, "the batches behind the stuck one are delivered");
        await Task.Delay(200);

        appending.IsCompleted.ShouldBeFalse("reading waits while the shard has its limit of batches after its checkpoint");
        _checkpointer.Writes.Max(write => write.Pending.Count).ShouldBeLessThanOrEqualTo(limit + 1, "the lease item never holds more planned batches than the limit");
        _checkpointer.LastCheckpoint.ShouldBeNull();

        _writer.Unblock();
        await appending;
        await Eventually.TrueAsync(() => _checkpointer.LastCheckpoint == Records.Position(limit * 3), "every page is delivered once the head batch is");
        _writer.Delivered.SelectMany(b => b.Records).Select(r => r.Position).Order().ShouldBe(Enumerable.Range(1, limit * 3).Select(Records.Position));
    }

    [Fact]
    public async Task Reading_Waits_WhileMemoryBudgetIsSpent_AndNothingIsDropped()
    {
        long page = Cost(50);
        _budget = new MemoryBudget(2 * page);
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 0);
        _writer.Block();

        await session.AppendAsync(Records.Page(Shard, 1, 50), CancellationToken.None);
        await session.AppendAsync(Records.Page(Shard, 51, 50), CancellationToken.None);
        ValueTask third = session.AppendAsync(Records.Page(Shard, 101, 50), CancellationToken.None);
        await Task.Delay(100);
        third.IsCompleted.ShouldBeFalse("the budget is held by two undelivered pages");
        _budget.UsedBytes.ShouldBe(2 * page);

        _writer.Unblock();
        await third;
        await Eventually.TrueAsync(() => _checkpointer.LastCheckpoint == Records.Position(150), "every page is checkpointed");
        // Two delivery loops may finish batches in either order; what matters is that every record arrived once.
        _writer.Delivered.SelectMany(b => b.Records).Select(r => r.Position).Order().ShouldBe(Enumerable.Range(1, 150).Select(Records.Position));
        await Eventually.TrueAsync(() => _budget.UsedBytes == 0, "the budget is given back");
    }

    [Fact]
    public async Task MemoryPressure_CutsBufferedRecordsBeforeTheirInterval()
    {
        _budget = new MemoryBudget(Cost(60) * 3 / 2);
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 900);

        await session.AppendAsync(Records.Page(Shard, 1, 60), CancellationToken.None);
        await session.AppendAsync(Records.Page(Shard, 61, 60), CancellationToken.None);

        await Eventually.TrueAsync(() => _checkpointer.LastCheckpoint == Records.Position(60), "the first page is delivered without waiting 900 s");
        _writer.Delivered.ShouldHaveSingleItem().Records.Count.ShouldBe(60);
    }

    [Fact]
    public async Task PlannedBatch_IsPersistedToTheLease_BeforeItIsWritten()
    {
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 0);
        _writer.Block();

        await session.AppendAsync(Records.Page(Shard, 1, 3), CancellationToken.None);

        await Eventually.TrueAsync(() => _writer.Attempts == 1, "the writer is called");
        (ShardPosition? checkpoint, IReadOnlyList<PlannedBatch> pending) = _checkpointer.Writes.ShouldHaveSingleItem();
        checkpoint.ShouldBeNull();
        pending.ShouldBe([new PlannedBatch(Records.Position(1), Records.Position(3))]);

        _writer.Unblock();
        await Eventually.TrueAsync(() => _checkpointer.LastCheckpoint == Records.Position(3), "the batch is checkpointed");
        _checkpointer.Writes.Last().Pending.ShouldBeEmpty();
    }

    [Fact]
    public async Task NewOwner_CutsAtThePreviousOwnersPlannedPoints_BeforeApplyingItsOwnHints()
    {
        PlannedBatch[] planned = [new(Records.Position(1), Records.Position(5)), new(Records.Position(6), Records.Position(7))];
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 0, pending: planned);

        await session.AppendAsync(Records.Page(Shard, 1, 3), CancellationToken.None);
        await Task.Delay(50);
        _writer.Delivered.ShouldBeEmpty("interval 0 must not cut inside a planned batch");

        await session.AppendAsync(Records.Page(Shard, 4, 7), CancellationToken.None);

        await Eventually.TrueAsync(() => _checkpointer.LastCheckpoint == Records.Position(10), "all batches are checkpointed");
        _writer.Delivered.Select(b => (b.Source.First, b.Source.Last)).OrderBy(r => r.First).ShouldBe(
        [
            (Records.Position(1), Records.Position(5)),
            (Records.Position(6), Records.Position(7)),
            (Records.Position(8), Records.Position(10)),
        ]);
    }

    [Fact]
    public async Task Drain_DeliversWhatIsBuffered_AndReturnsTheFinalCheckpoint()
    {
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 300);
        await session.AppendAsync(Records.Page(Shard, 1, 7), CancellationToken.None);

        ShardPosition? final = await session.DrainAsync(CancellationToken.None);

        final.ShouldBe(Records.Position(7));
        _checkpointer.LastCheckpoint.ShouldBe(Records.Position(7));
        _writer.Delivered.ShouldHaveSingleItem().Records.Count.ShouldBe(7);
        _budget.UsedBytes.ShouldBe(0);
    }

    [Fact]
    public async Task Drain_LeavesAnUnfinishedPlannedBatchUncheckpointed_SoItIsNotSplitAcrossObjects()
    {
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 300, pending: [new(Records.Position(1), Records.Position(5))]);
        await session.AppendAsync(Records.Page(Shard, 1, 3), CancellationToken.None);

        ShardPosition? final = await session.DrainAsync(CancellationToken.None);

        final.ShouldBeNull();
        _writer.Delivered.ShouldBeEmpty();
        _budget.UsedBytes.ShouldBe(0);
    }

    [Fact]
    public async Task LostLease_StopsTheShard_ReleasesItsBytes_AndNeverCheckpointsAgain()
    {
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 300);
        await session.AppendAsync(Records.Page(Shard, 1, 5), CancellationToken.None);
        await session.AppendAsync(Records.Page(Shard, 6, 5), CancellationToken.None);
        _checkpointer.LeaseLost = true;

        _time.Advance(TimeSpan.FromSeconds(300));

        await Eventually.TrueAsync(() => session.LeaseLost.IsCancellationRequested, "the session notices the lost lease");
        await Eventually.TrueAsync(() => _budget.UsedBytes == 0, "the bytes are released");
        _writer.Delivered.ShouldBeEmpty("the plan could not be recorded, so the batch must not be written");
        await Should.ThrowAsync<LeaseLostException>(async () => await session.AppendAsync(Records.Page(Shard, 11, 1), CancellationToken.None));
        _checkpointer.LeaseLost = false;
        await Should.ThrowAsync<LeaseLostException>(() => session.DrainAsync(CancellationToken.None));
        _checkpointer.Writes.ShouldBeEmpty();
    }

    [Fact]
    public async Task FailedWrite_IsRetriedWithBackoff_UntilDelivered()
    {
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 0);
        _writer.FailNext(3);

        await session.AppendAsync(Records.Page(Shard, 1, 2), CancellationToken.None);

        await _time.AdvanceUntilAsync(() => _checkpointer.LastCheckpoint is not null, TimeSpan.FromSeconds(10));

        _checkpointer.LastCheckpoint.ShouldBe(Records.Position(2));
        _writer.Attempts.ShouldBe(4);
        _writer.Delivered.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task AFailingDestination_IsLoggedAtABoundedRate_AndItsRecoveryOnce()
    {
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 0);
        _writer.FailNext(12);
        DateTimeOffset start = _time.GetUtcNow();

        await session.AppendAsync(Records.Page(Shard, 1, 2), CancellationToken.None);
        await _time.AdvanceUntilAsync(() => _checkpointer.LastCheckpoint is not null, TimeSpan.FromSeconds(5), 500);

        _checkpointer.LastCheckpoint.ShouldBe(Records.Position(2));
        _writer.Attempts.ShouldBe(13);
        double minutes = (_time.GetUtcNow() - start).TotalMinutes;
        CapturedLog[] logs = [.. _logs.Entries.Where(e => e.Category == typeof(DeliveryPipeline).FullName && e.Level >= LogLevel.Information)];
        logs.Where(e => e.EventId.Id == 2002).ShouldHaveSingleItem("only the first failure is logged in full").Exception.ShouldNotBeNull();
        logs.Count(e => e.EventId.Id == 2010).ShouldBeInRange(1, (int)Math.Ceiling(minutes), "then at most one summary a minute");
        logs.Where(e => e.EventId.Id == 2010).ShouldAllBe(e => e.Message.Contains("Fake.Unavailable", StringComparison.Ordinal));
        logs.Where(e => e.EventId.Id == 2011).ShouldHaveSingleItem().Message.ShouldContain("12 failed attempts");
    }

    [Fact]
    public async Task FailedRecords_GoToTheBackupBucketByErrorOutputType_BeforeTheCheckpointPassesThem()
    {
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 0);
        _writer.FailRecords = batch =>
        [
            new FailedRecord(3, "Lambda.DuplicatedRecordId", "id returned twice", ErrorOutputTypes.ProcessingFailed, AttemptsMade: 4),
            new FailedRecord(0, "Lambda.FunctionError", "boom", ErrorOutputTypes.ProcessingFailed),
            new FailedRecord(2, "Parquet.BadValue", "not a number", ErrorOutputTypes.FormatConversionFailed),
        ];

        await session.AppendAsync(Records.Page(Shard, 1, 5), CancellationToken.None);

        await Eventually.TrueAsync(() => _checkpointer.LastCheckpoint == Records.Position(5), "the batch is checkpointed");
        var written = _backup.Written.OrderBy(w => w.ErrorOutputType, StringComparer.Ordinal).ToArray();
        written.Length.ShouldBe(2);
        written[0].ErrorOutputType.ShouldBe(ErrorOutputTypes.FormatConversionFailed);
        written[0].Records.Select(r => r.Index).ShouldBe([2]);
        written[1].ErrorOutputType.ShouldBe(ErrorOutputTypes.ProcessingFailed);
        written[1].Records.Select(r => r.Index).ShouldBe([0, 3], "records keep their batch order");
        written[1].Records[1].AttemptsMade.ShouldBe(4);
        DeliveryBatch delivered = _writer.Delivered.Single();
        written.ShouldAllBe(w => w.Batch.Id == delivered.Id && w.Batch.Records.SequenceEqual(delivered.Records));
    }

    [Fact]
    public async Task ABackupBucketThatCannotBeWritten_HoldsTheCheckpoint_AndIsRetriedWithoutRewritingTheBatch()
    {
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 0);
        _writer.FailRecords = _ => [new FailedRecord(1, "HttpEndpoint.ResponseTimeout", "timed out", ErrorOutputTypes.HttpEndpointFailed)];
        _backup.FailNext(3);

        await session.AppendAsync(Records.Page(Shard, 1, 2), CancellationToken.None);
        await Eventually.TrueAsync(() => _backup.Attempts == 1, "the backup is tried");
        _checkpointer.Writes.ShouldAllBe(w => w.Checkpoint == null, "nothing is checkpointed while a failed record is in no bucket");

        await _time.AdvanceUntilAsync(() => _checkpointer.LastCheckpoint is not null, TimeSpan.FromSeconds(10));

        _checkpointer.LastCheckpoint.ShouldBe(Records.Position(2));
        _backup.Attempts.ShouldBe(4);
        _backup.Written.ShouldHaveSingleItem().Records.ShouldHaveSingleItem().Index.ShouldBe(1);
        _writer.Attempts.ShouldBe(1, "the delivered part is not written again");
    }

    [Fact]
    public async Task AWriterReportingARecordOutsideTheBatch_DoesNotCheckpointIt()
    {
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 0);
        _writer.FailRecords = _ => [new FailedRecord(7, "Fake.Bug", "no such record", ErrorOutputTypes.ProcessingFailed)];

        await session.AppendAsync(Records.Page(Shard, 1, 2), CancellationToken.None);

        await Eventually.TrueAsync(() => _writer.Attempts >= 1, "the batch is written");
        await Should.ThrowAsync<LeaseLostException>(() => session.DrainAsync(CancellationToken.None));
        _checkpointer.Writes.ShouldAllBe(w => w.Checkpoint == null);
        _backup.Written.ShouldBeEmpty();
    }

    [Fact]
    public async Task Records_AtOrBeforeTheCheckpoint_AreNotDeliveredAgain()
    {
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 0, checkpoint: Records.Position(3));

        await session.AppendAsync(Records.Page(Shard, 1, 6), CancellationToken.None);

        await Eventually.TrueAsync(() => _checkpointer.LastCheckpoint == Records.Position(6), "the new records are checkpointed");
        _writer.Delivered.ShouldHaveSingleItem().Records.Select(r => r.Position).ShouldBe([Records.Position(4), Records.Position(5), Records.Position(6)]);
        await Eventually.TrueAsync(() => _budget.UsedBytes == 0, "skipped records give their bytes back too");
    }

    [Fact]
    public async Task ReplayingAPlannedBatchLargerThanTheBudget_CompletesInsteadOfWaitingForever()
    {
        _budget = new MemoryBudget(2 * Cost(50));
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 300, pending: [new(Records.Position(1), Records.Position(200))]);

        for (int first = 1; first <= 200; first += 50)
        {
            await session.AppendAsync(Records.Page(Shard, first, 50), CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }

        await Eventually.TrueAsync(() => _checkpointer.LastCheckpoint == Records.Position(200), "the planned batch is delivered");
        _writer.Delivered.ShouldHaveSingleItem().Records.Count.ShouldBe(200);
        await Eventually.TrueAsync(() => _budget.UsedBytes == 0, "the overdraft is given back");
    }

    [Fact]
    public async Task ASessionDisposedWhileItsBatchesAreQueued_LeavesTheDeliveryLoopsWorking()
    {
        var settings = new PipelineSettings { Name = "p", Buffering = new BufferingHints { IntervalInSeconds = 0 }, MaxConcurrentDeliveries = 1 };
        _pipeline = new DeliveryPipeline(settings, _writer, _backup, _budget, _time, NullLogger<DeliveryPipeline>.Instance);
        _pipeline.Start();
        IShardSession lost = _pipeline.OpenShard(new ShardSessionStart("stream", "lost-shard", null, []), _checkpointer);
        var otherCheckpointer = new RecordingCheckpointer();
        IShardSession other = _pipeline.OpenShard(new ShardSessionStart("stream", Shard, null, []), otherCheckpointer);
        _writer.Block();
        await lost.AppendAsync(Records.Page("lost-shard", 1, 2), CancellationToken.None);
        await lost.AppendAsync(Records.Page("lost-shard", 3, 2), CancellationToken.None);
        await Eventually.TrueAsync(() => _writer.Attempts == 1, "the first batch is being written");

        lost.Abandon();
        await lost.DisposeAsync();
        _writer.Unblock();
        await other.AppendAsync(Records.Page(Shard, 1, 3), CancellationToken.None);

        await Eventually.TrueAsync(() => otherCheckpointer.LastCheckpoint == Records.Position(3), "the other shard is still delivered");
        await Eventually.TrueAsync(() => _budget.UsedBytes == 0, "every byte comes back");
    }

    [Fact]
    public async Task RecordsLeftAfterASizeCut_GetAFullIntervalOfTheirOwn()
    {
        IShardSession session = Open(sizeInMBs: 1, intervalSeconds: 60);
        await session.AppendAsync(Records.Page(Shard, 1, 5, size: 100 * 1024), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(30));
        await session.AppendAsync(Records.Page(Shard, 6, 10, size: 100 * 1024), CancellationToken.None);
        await Eventually.TrueAsync(() => _writer.Delivered.Count == 1, "the size cut is delivered");

        _time.Advance(TimeSpan.FromSeconds(31));
        await Task.Delay(50);
        _writer.Delivered.Count.ShouldBe(1, "the 4 records left over arrived at 30 s; their interval ends at 90 s");

        _time.Advance(TimeSpan.FromSeconds(29));
        await Eventually.TrueAsync(() => _writer.Delivered.Count == 2, "the rest is cut at 90 s");
        _writer.Delivered.Last().Records.Count.ShouldBe(4);
    }

    [Fact]
    public async Task AClientTimeout_IsRetriedLikeAnyFailure_NotMistakenForOurOwnCancellation()
    {
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 0);
        _writer.ThrowOnce = new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout");

        await session.AppendAsync(Records.Page(Shard, 1, 6), CancellationToken.None);
        await _time.AdvanceUntilAsync(() => _checkpointer.LastCheckpoint is not null, TimeSpan.FromSeconds(1));

        _checkpointer.LastCheckpoint.ShouldBe(Records.Position(6));
        _writer.Delivered.ShouldHaveSingleItem().Records.Count.ShouldBe(6);
    }

    [Fact]
    public async Task ANewOwner_KeepsThePreviousOwnersLaterPlannedCutsInTheLease_UntilItReachesThem()
    {
        PlannedBatch first = new(Records.Position(1), Records.Position(3));
        PlannedBatch second = new(Records.Position(4), Records.Position(6));
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 0, pending: [first, second]);
        _writer.Block();

        await session.AppendAsync(Records.Page(Shard, 1, 3), CancellationToken.None);

        await Eventually.TrueAsync(() => _writer.Attempts == 1, "the first planned batch is being written");
        _checkpointer.Writes.ShouldHaveSingleItem().Pending.ShouldBe([first, second], "a crash now must leave both cut points for the next owner");
    }

    [Fact]
    public async Task AReaderWaitingForMemory_MakesOtherShardsCutTheirBuffersEarly()
    {
        _budget = new MemoryBudget(Cost(80) + Cost(50) - 1);
        IShardSession idle = Open(sizeInMBs: 5, intervalSeconds: 900);
        var busyCheckpointer = new RecordingCheckpointer();
        IShardSession busy = _pipeline!.OpenShard(new ShardSessionStart("stream", "busy-shard", null, []), busyCheckpointer);
        await idle.AppendAsync(Records.Page(Shard, 1, 80), CancellationToken.None);

        await busy.AppendAsync(Records.Page("busy-shard", 1, 50), CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        await Eventually.TrueAsync(() => _checkpointer.LastCheckpoint == Records.Position(80), "the idle shard's buffer was delivered without waiting 900 s");
    }

    [Fact]
    public async Task AReservation_IsSettledAgainstWhatThePageHolds_AndAPageBeyondItIsChargedInFull()
    {
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 300);
        long page = Cost(50);

        await session.ReserveAsync(10 * page, CancellationToken.None);
        _budget.UsedBytes.ShouldBe(10 * page, "room for the next page is taken before it is read");
        await session.ReserveAsync(4 * page, CancellationToken.None);
        _budget.UsedBytes.ShouldBe(10 * page, "a reservation already held is not taken twice");

        await session.AppendAsync(Records.Page(Shard, 1, 50), CancellationToken.None);
        _budget.UsedBytes.ShouldBe(page, "what the page did not need goes back");

        await session.ReserveAsync(page / 2, CancellationToken.None);
        await session.AppendAsync(Records.Page(Shard, 51, 50), CancellationToken.None);
        _budget.UsedBytes.ShouldBe(2 * page, "a page larger than its reservation is charged in full: it is in memory");

        await session.ReserveAsync(page, CancellationToken.None);
        await session.AppendAsync(new RecordPage(Shard, [], 0), CancellationToken.None);
        _budget.UsedBytes.ShouldBe(2 * page, "an empty read gives its reservation back");

        await session.ReserveAsync(page, CancellationToken.None);
        await session.DrainAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => _budget.UsedBytes == 0, "a drain gives back the reservation and the delivered records");
        _writer.Delivered.SelectMany(b => b.Records).Select(r => r.Position).ShouldBe(Enumerable.Range(1, 100).Select(Records.Position));
    }

    [Fact]
    public async Task AReservationWithNoRoom_WaitsBeforeThePageIsRead_AndCutsWhatIsBufferedSoRoomComesBack()
    {
        long page = Cost(60);
        _budget = new MemoryBudget(page * 3 / 2);
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 900);
        _writer.Block();
        await session.AppendAsync(Records.Page(Shard, 1, 60), CancellationToken.None);

        ValueTask reserving = session.ReserveAsync(page, CancellationToken.None);
        await Eventually.TrueAsync(() => _writer.Attempts == 1, "the buffer is cut long before its 900 s interval, to free room");
        await Task.Delay(100);
        reserving.IsCompleted.ShouldBeFalse("no room until the cut batch is delivered: the next page is not read");
        _budget.UsedBytes.ShouldBe(page, "a waiting reader holds nothing");

        _writer.Unblock();
        await reserving.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(() => _budget.UsedBytes == page, "the delivered page's room went to the reservation");
    }

    [Fact]
    public async Task AReservation_GoesBack_WhenTheLeaseIsLost()
    {
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 300);
        await session.AppendAsync(Records.Page(Shard, 1, 10), CancellationToken.None);
        await session.ReserveAsync(Cost(50), CancellationToken.None);

        session.Abandon();

        _budget.UsedBytes.ShouldBe(0, "the buffered records and the reservation both go back");
        await Should.ThrowAsync<LeaseLostException>(session.ReserveAsync(1, CancellationToken.None).AsTask());
    }

    public async ValueTask DisposeAsync()
    {
        _writer.Unblock();
        if (_pipeline is not null)
        {
            await _pipeline.DisposeAsync();
        }
    }

    private static long Cost(int records) => Records.Page(Shard, 1, records).MemoryBytes;

    private IShardSession Open(int sizeInMBs, int intervalSeconds, PlannedBatch[]? pending = null, ShardPosition? checkpoint = null)
    {
        var settings = new PipelineSettings
        {
            Name = "test-pipeline",
            Buffering = new BufferingHints { SizeInMBs = sizeInMBs, IntervalInSeconds = intervalSeconds },
            MaxConcurrentDeliveries = 2,
        };
        ILogger<DeliveryPipeline> logger = LoggerFactory.Create(builder => builder.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace)).CreateLogger<DeliveryPipeline>();
        _pipeline = new DeliveryPipeline(settings, _writer, _backup, _budget, _time, logger);
        _pipeline.Start();
        return _pipeline.OpenShard(new ShardSessionStart("stream", Shard, checkpoint, pending ?? []), _checkpointer);
    }
}
