using Delivery.Pipeline;
using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Memory;
using Delivery.Plans;
using Delivery.Testing;
using Delivery.UnitTests.Pipeline.Plans;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.UnitTests.Pipeline;

/// <summary>
/// <c>Buffering:Scope: Worker</c> (decision 0014): one object for every shard a worker holds, and the ledger's races:
/// a lost lease before the commit, a tombstone that wins, a committed plan that a new owner completes, a plan that was
/// never committed, a zombie writing a plan a new owner completed.
/// </summary>
public sealed class WorkerScopeTests : IAsyncLifetime
{
    private const string A = "shardId-000000000001";
    private const string B = "shardId-000000000002";
    private readonly TimerCountingFakeTimeProvider _time = new();
    private readonly RecordingBatchWriter _writer = new();
    private readonly RecordingBackupWriter _backup = new();
    private readonly InMemoryPlanLedger _ledger = new();
    private readonly FakeRangeReader _stream = new();
    private readonly Dictionary<string, RecordingCheckpointer> _leases = new() { [A] = new(), [B] = new() };
    private readonly List<DeliveryPipeline> _pipelines = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (DeliveryPipeline pipeline in _pipelines)
        {
            await pipeline.DisposeAsync();
        }
    }

    [Fact]
    public async Task OneObject_HoldsEveryShardsRecords_FencedInEachLeaseBeforeItIsCommitted()
    {
        DeliveryPipeline pipeline = Start();
        IShardSession a = Open(pipeline, A);
        IShardSession b = Open(pipeline, B);
        var fencedAtCommit = new List<string>();
        _ledger.Before = (call, _) =>
        {
            foreach (string shard in new[] { A, B })
            {
                if (call.Operation == PlanLedgerOperation.Commit && _leases[shard].Writes.Any(write => write.Pending.Any(piece => piece.PlanId == call.PlanId)))
                {
                    fencedAtCommit.Add(shard);
                }
            }

            return Task.CompletedTask;
        };

        await a.AppendAsync(Records.Page(A, 1, 5), CancellationToken.None);
        await b.AppendAsync(Records.Page(B, 101, 3), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(60));

        await Eventually.TrueAsync(() => _leases[A].LastCheckpoint == Records.Position(5) && _leases[B].LastCheckpoint == Records.Position(103), "both shards checkpoint at their ends");
        DeliveryBatch written = _writer.Delivered.ShouldHaveSingleItem();
        written.Records.Select(record => record.Position).ShouldBe([.. Positions(1, 5), .. Positions(101, 3)], "one object, shard after shard");
        written.Sources.Select(source => source.ShardId).ShouldBe([A, B]);
        fencedAtCommit.ShouldBe([A, B], "every piece is in its lease before the plan is committed");
        _ledger[written.Id].State.ShouldBe(PlanState.Written);
        _ledger.Calls.ShouldBe([new PlanLedgerCall(PlanLedgerOperation.Commit, written.Id), new PlanLedgerCall(PlanLedgerOperation.MarkWritten, written.Id)]);
    }

    [Fact]
    public async Task ALeaseLostBeforeTheCommit_AbortsThePlan_AndTheOtherShardIsWrittenAsItsOwnRange()
    {
        DeliveryPipeline pipeline = Start();
        IShardSession a = Open(pipeline, A);
        IShardSession b = Open(pipeline, B);
        await a.AppendAsync(Records.Page(A, 1, 5), CancellationToken.None);
        await b.AppendAsync(Records.Page(B, 101, 3), CancellationToken.None);
        _leases[A].LeaseLost = true;

        _time.Advance(TimeSpan.FromSeconds(60));

        await Eventually.TrueAsync(() => _leases[B].LastCheckpoint == Records.Position(103), "shard B checkpoints");
        DeliveryBatch written = _writer.Delivered.ShouldHaveSingleItem();
        written.Plan.ShouldBeNull("an aborted plan's surviving piece is a batch of its own range");
        written.Id.ShouldBe(new BatchSource("stream", B, Records.Position(101), Records.Position(103)).DeterministicId());
        written.Records.Select(record => record.Position).ShouldBe(Positions(101, 3));
        PlanEntry tombstone = _ledger.Plans.ShouldHaveSingleItem();
        tombstone.State.ShouldBe(PlanState.Aborted);
        _leases[B].Writes.Last().Pending.ShouldBeEmpty();
        _leases[B].Writes.Any(write => write.Pending.Any(piece => piece.PlanId is null && piece.First == Records.Position(101))).ShouldBeTrue(
            "the piece is planned as its own range before that object is written, so a next owner cuts the same batch");
    }

    [Fact]
    public async Task ATombstoneThatWinsTheCommit_AbortsThePlan_AndEachShardIsWrittenOnceOnItsOwn()
    {
        DeliveryPipeline pipeline = Start();
        IShardSession a = Open(pipeline, A);
        IShardSession b = Open(pipeline, B);
        _ledger.Before = async (call, _) =>
        {
            if (call.Operation == PlanLedgerOperation.Commit)
            {
                // A rival that took a lease and found the piece puts the tombstone first.
                _ledger.Seed(new PlanEntry(call.PlanId, PlanState.Aborted, []));
            }

            await Task.CompletedTask;
        };
        await a.AppendAsync(Records.Page(A, 1, 5), CancellationToken.None);
        await b.AppendAsync(Records.Page(B, 101, 3), CancellationToken.None);

        _time.Advance(TimeSpan.FromSeconds(60));

        await Eventually.TrueAsync(() => _leases[A].LastCheckpoint == Records.Position(5) && _leases[B].LastCheckpoint == Records.Position(103), "both shards checkpoint");
        _writer.Delivered.Count.ShouldBe(2);
        _writer.Delivered.ShouldAllBe(batch => batch.Plan == null);
        _writer.Delivered.SelectMany(batch => batch.Records).Count().ShouldBe(8, "no record twice");
    }

    [Fact]
    public async Task ACommittedPlanANewOwnerFinds_IsCompletedToTheSameObject_AndItsRangeIsNotCutAgain()
    {
        var plan = new BatchPlan([
            new BatchSource("stream", A, Records.Position(1), Records.Position(5)),
            new BatchSource("stream", B, Records.Position(101), Records.Position(103)),
        ]);
        _ledger.Seed(new PlanEntry(plan.Id, PlanState.Committed, plan.Ranges));
        _stream.Add(A, 1, 8);
        _stream.Add(B, 101, 3);
        DeliveryPipeline pipeline = Start();
        IShardSession a = Open(pipeline, A, [plan.PieceOf(plan.Ranges[0])]);

        // The new owner of A reads A from its checkpoint: the plan's range, then records of its own.
        await a.AppendAsync(Records.Page(A, 1, 8), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(60));

        await Eventually.TrueAsync(() => _leases[A].LastCheckpoint == Records.Position(8), "A checkpoints past the plan and its own records");
        DeliveryBatch completed = _writer.Delivered.Single(batch => batch.Id == plan.Id);
        completed.Records.Select(record => record.Position).ShouldBe([.. Positions(1, 5), .. Positions(101, 3)], "the same batch, read again from both shards");
        _writer.Delivered.Where(batch => batch.Id != plan.Id).SelectMany(batch => batch.Records).Select(record => record.Position).ShouldBe(Positions(6, 3));
        _ledger[plan.Id].State.ShouldBe(PlanState.Written);
    }

    [Fact]
    public async Task APlanNeverCommitted_IsTombstoned_AndItsRangeIsCutExactlyAsItWas()
    {
        var plan = new BatchPlan([
            new BatchSource("stream", A, Records.Position(1), Records.Position(5)),
            new BatchSource("stream", B, Records.Position(101), Records.Position(103)),
        ]);
        DeliveryPipeline pipeline = Start();
        IShardSession a = Open(pipeline, A, [plan.PieceOf(plan.Ranges[0])]);

        await a.AppendAsync(Records.Page(A, 1, 8), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(60));

        await Eventually.TrueAsync(() => _leases[A].LastCheckpoint == Records.Position(8), "A checkpoints");
        _ledger[plan.Id].State.ShouldBe(PlanState.Aborted, "the plan can never be committed now");
        DeliveryBatch first = _writer.Delivered.Single(batch => batch.Source.First == Records.Position(1));
        first.Id.ShouldBe(plan.Ranges[0].DeterministicId(), "the range alone, cut where the plan's piece ended");
        first.Records.Count.ShouldBe(5);
        _writer.Delivered.SelectMany(batch => batch.Records).Count().ShouldBe(8);
    }

    [Fact]
    public async Task AWrittenPlan_IsPassedOver_WithoutWritingItsRecordsAgain()
    {
        var plan = new BatchPlan([
            new BatchSource("stream", A, Records.Position(1), Records.Position(5)),
            new BatchSource("stream", B, Records.Position(101), Records.Position(103)),
        ]);
        _ledger.Seed(new PlanEntry(plan.Id, PlanState.Written, plan.Ranges));
        DeliveryPipeline pipeline = Start();
        IShardSession a = Open(pipeline, A, [plan.PieceOf(plan.Ranges[0]), plan.PieceOf(plan.Ranges[0]) with { First = Records.Position(6), Last = Records.Position(6), PlanId = null }]);

        await a.AppendAsync(Records.Page(A, 1, 8), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(60));

        await Eventually.TrueAsync(() => _leases[A].LastCheckpoint == Records.Position(8), "A checkpoints");
        _writer.Delivered.SelectMany(batch => batch.Records).Select(record => record.Position).Order().ShouldBe(Positions(6, 3));
    }

    [Fact]
    public async Task AZombieThatWritesAPlanANewOwnerCompleted_WritesTheSameObject_NeverASecondOne()
    {
        // Worker 1 cuts and commits a plan of A and B, then hangs in the write (a long GC pause, a partition).
        DeliveryPipeline zombie = Start();
        IShardSession za = Open(zombie, A);
        IShardSession zb = Open(zombie, B);
        _writer.BlockWhere = batch => batch.Plan is not null;
        await za.AppendAsync(Records.Page(A, 1, 5), CancellationToken.None);
        await zb.AppendAsync(Records.Page(B, 101, 3), CancellationToken.None);
        _stream.Add(A, 1, 5);
        _stream.Add(B, 101, 3);
        _time.Advance(TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => _ledger.Plans.Any(item => item.State == PlanState.Committed), "the plan is committed");
        PlanEntry committed = _ledger.Plans.Single();

        // Its leases expire; worker 2 takes A, finds the committed plan in the lease, and completes it.
        var newLeaseA = new RecordingCheckpointer();
        _leases[A] = newLeaseA;
        var other = new RecordingBatchWriter();
        DeliveryPipeline successor = Start(other);
        IShardSession na = Open(successor, A, [new PlannedBatch(Records.Position(1), Records.Position(5), committed.PlanId)]);
        await na.AppendAsync(Records.Page(A, 1, 5), CancellationToken.None);
        await Eventually.TrueAsync(() => newLeaseA.LastCheckpoint == Records.Position(5), "the new owner checkpoints A");

        // The zombie wakes and finishes its write.
        _writer.Unblock();
        await Eventually.TrueAsync(() => _writer.Delivered.Count == 1, "the zombie's write lands");
        DeliveryBatch[] objects = [.. _writer.Delivered, .. other.Delivered];
        objects.Select(batch => batch.Id).Distinct().ShouldHaveSingleItem("both wrote the plan's object, under the same key");
        objects.Select(batch => batch.Records.Count).ShouldAllBe(count => count == 8);
    }

    [Fact]
    public async Task AShardWhoseLeaseIsLost_LeavesTheWorkerBuffer_AndTheOthersStillGoOut()
    {
        DeliveryPipeline pipeline = Start();
        IShardSession a = Open(pipeline, A);
        IShardSession b = Open(pipeline, B);
        await a.AppendAsync(Records.Page(A, 1, 5), CancellationToken.None);
        await b.AppendAsync(Records.Page(B, 101, 3), CancellationToken.None);

        a.Abandon();
        _time.Advance(TimeSpan.FromSeconds(60));

        await Eventually.TrueAsync(() => _leases[B].LastCheckpoint == Records.Position(103), "B checkpoints");
        _writer.Delivered.SelectMany(batch => batch.Records).Select(record => record.Position).ShouldBe(Positions(101, 3));
        _ledger.Plans.ShouldHaveSingleItem().State.ShouldBe(PlanState.Written, "A's records left the buffer before the cut: a plan of B alone");
    }

    [Fact]
    public async Task ACommitWhoseAnswerIsLost_IsPutAgain_AndThePlanIsWrittenOnce()
    {
        DeliveryPipeline pipeline = Start();
        IShardSession a = Open(pipeline, A);
        IShardSession b = Open(pipeline, B);
        _ledger.FailNext(PlanLedgerOperation.Commit, new TimeoutException("the answer was lost"), afterEffect: true);
        _ledger.FailNext(PlanLedgerOperation.MarkWritten, new TimeoutException("the table is busy"));
        await a.AppendAsync(Records.Page(A, 1, 5), CancellationToken.None);
        await b.AppendAsync(Records.Page(B, 101, 3), CancellationToken.None);

        _time.Advance(TimeSpan.FromSeconds(60));
        await AdvanceUntilAsync(() => _leases[A].LastCheckpoint == Records.Position(5) && _leases[B].LastCheckpoint == Records.Position(103));

        DeliveryBatch written = _writer.Delivered.ShouldHaveSingleItem();
        written.Plan.ShouldNotBeNull();
        _ledger[written.Id].State.ShouldBe(PlanState.Written);
        _ledger.Calls.Count(call => call.Operation == PlanLedgerOperation.Commit).ShouldBe(2, "the commit is put again and finds itself");
    }

    [Fact]
    public async Task ACompletionOfAPlanWhoseRecordsAreAllTrimmed_MarksItWritten_AndTheShardGoesOn()
    {
        var plan = new BatchPlan([
            new BatchSource("stream", A, Records.Position(1), Records.Position(5)),
            new BatchSource("stream", B, Records.Position(101), Records.Position(103)),
        ]);
        _ledger.Seed(new PlanEntry(plan.Id, PlanState.Committed, plan.Ranges));
        DeliveryPipeline pipeline = Start();
        IShardSession a = Open(pipeline, A, [plan.PieceOf(plan.Ranges[0])]);

        // Retention has passed: the stream starts after the plan.
        await a.AppendAsync(Records.Page(A, 9, 2), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(60));

        await Eventually.TrueAsync(() => _leases[A].LastCheckpoint == Records.Position(10), "A passes the plan and checkpoints its own records");
        _ledger[plan.Id].State.ShouldBe(PlanState.Written);
        _writer.Delivered.SelectMany(batch => batch.Records).Select(record => record.Position).ShouldBe(Positions(9, 2));
    }

    [Fact]
    public async Task WithPartitions_TheWorkerBufferIsCutWhenItsLargestPartitionIsExpectedToReachTheSizeHint()
    {
        // Four equal partitions: each object is a quarter of the plan, so a 1 MiB hint means a 4 MiB plan.
        _writer.ReportPartitions = batch => new PartitionSizes(batch.DataBytes, batch.DataBytes / 4);
        DeliveryPipeline pipeline = Start(partitions: true);
        IShardSession a = Open(pipeline, A);
        IShardSession b = Open(pipeline, B);
        await a.AppendAsync(Records.Page(A, 1, 1, size: 1024), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => _leases[A].LastCheckpoint == Records.Position(1), "the first plan is written");

        // 3 MiB across both shards: one partition would have reached 1 MiB, four have not.
        await a.AppendAsync(Records.Page(A, 2, 15, size: 100 * 1024), CancellationToken.None);
        await b.AppendAsync(Records.Page(B, 101, 15, size: 100 * 1024), CancellationToken.None);
        await Task.Delay(100);
        _writer.Delivered.Count.ShouldBe(1, "3 MiB is under four partitions' worth of the hint");

        await b.AppendAsync(Records.Page(B, 116, 12, size: 100 * 1024), CancellationToken.None);
        await Eventually.TrueAsync(() => _writer.Delivered.Count == 2, "4 MiB cuts the plan");
        _writer.Delivered.Last().DataBytes.ShouldBeGreaterThanOrEqualTo(4L * 1024 * 1024);
    }

    [Fact]
    public async Task APipelineBackOnShardScope_StillCompletesAPlanItsLeaseNames_ThenBuffersByShard()
    {
        var plan = new BatchPlan([
            new BatchSource("stream", A, Records.Position(1), Records.Position(5)),
            new BatchSource("stream", B, Records.Position(101), Records.Position(103)),
        ]);
        _ledger.Seed(new PlanEntry(plan.Id, PlanState.Committed, plan.Ranges));
        _stream.Add(A, 1, 5);
        _stream.Add(B, 101, 3);
        DeliveryPipeline pipeline = Start(scope: BufferingScope.Shard);
        IShardSession a = Open(pipeline, A, [plan.PieceOf(plan.Ranges[0])]);

        await a.AppendAsync(Records.Page(A, 1, 8), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(60));

        await Eventually.TrueAsync(() => _leases[A].LastCheckpoint == Records.Position(8), "A checkpoints past the plan and its own batch");
        _writer.Delivered.Single(batch => batch.Id == plan.Id).Records.Count.ShouldBe(8);
        DeliveryBatch own = _writer.Delivered.Single(batch => batch.Id != plan.Id);
        own.Plan.ShouldBeNull("shard scope cuts a batch of the shard's own range");
        own.Records.Select(record => record.Position).ShouldBe(Positions(6, 3));
    }

    [Fact]
    public async Task WithPartitions_BeforeAnyPlanIsWritten_TheIntervalCutsFirst_NotTheSizeOfAllPartitionsTogether()
    {
        DeliveryPipeline pipeline = Start(partitions: true);
        IShardSession a = Open(pipeline, A);
        IShardSession b = Open(pipeline, B);

        // 3 MiB with a 1 MiB hint: nothing is known yet of how it divides, so it waits for the interval (within the budget).
        await a.AppendAsync(Records.Page(A, 1, 15, size: 100 * 1024), CancellationToken.None);
        await b.AppendAsync(Records.Page(B, 101, 15, size: 100 * 1024), CancellationToken.None);
        await Task.Delay(100);
        _writer.Delivered.ShouldBeEmpty();

        _time.Advance(TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => _writer.Delivered.Count == 1, "the interval cuts one plan");
        _writer.Delivered.Single().Records.Count.ShouldBe(30);
    }

    [Fact]
    public async Task WithoutPartitions_TheWorkerBufferIsCutAtTheSizeHint()
    {
        DeliveryPipeline pipeline = Start();
        IShardSession a = Open(pipeline, A);
        IShardSession b = Open(pipeline, B);

        await a.AppendAsync(Records.Page(A, 1, 6, size: 100 * 1024), CancellationToken.None);
        await b.AppendAsync(Records.Page(B, 101, 5, size: 100 * 1024), CancellationToken.None);

        await Eventually.TrueAsync(() => _writer.Delivered.Count == 1, "1 MiB across two shards cuts a plan");
        _writer.Delivered.Single().Sources.Count.ShouldBe(2);
    }

    [Fact]
    public async Task AfterASizeCut_TheNextBufferWaitsItsWholeInterval()
    {
        DeliveryPipeline pipeline = Start();
        IShardSession a = Open(pipeline, A);
        IShardSession b = Open(pipeline, B);
        await a.AppendAsync(Records.Page(A, 1, 1), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(50));

        // 1.1 MB cuts the buffer by size; B's record starts the next buffer 50 s into the first one's interval.
        await a.AppendAsync(Records.Page(A, 2, 11, size: 100 * 1024), CancellationToken.None);
        await b.AppendAsync(Records.Page(B, 101, 1), CancellationToken.None);
        await Eventually.TrueAsync(() => _writer.Delivered.Count == 1, "the size cut's plan is written");

        _time.Advance(TimeSpan.FromSeconds(10));
        BufferedOf(pipeline, B).ShouldBe(1, "the first buffer's interval is over, the second's is not");

        _time.Advance(TimeSpan.FromSeconds(50));
        BufferedOf(pipeline, B).ShouldBe(0, "60 s after B's record entered");
        await Eventually.TrueAsync(() => _leases[B].LastCheckpoint == Records.Position(101), "B checkpoints");
    }

    [Fact]
    public async Task AShardLeavingTheWorkerBuffer_DoesNotShortenTheWaitOfTheRecordsLeft()
    {
        DeliveryPipeline pipeline = Start();
        IShardSession a = Open(pipeline, A);
        IShardSession b = Open(pipeline, B);
        await a.AppendAsync(Records.Page(A, 1, 5), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(50));
        await b.AppendAsync(Records.Page(B, 101, 3), CancellationToken.None);

        // A's records started the buffer's interval; they leave with its lease, and B's have waited 10 s at 60 s.
        a.Abandon();
        _time.Advance(TimeSpan.FromSeconds(10));
        BufferedOf(pipeline, B).ShouldBe(3, "the interval counts from the oldest record in the buffer, B's");

        _time.Advance(TimeSpan.FromSeconds(50));
        await Eventually.TrueAsync(() => _leases[B].LastCheckpoint == Records.Position(103), "B checkpoints 60 s after its records entered");
        _writer.Delivered.ShouldHaveSingleItem().Records.Count.ShouldBe(3);
    }

    private static int BufferedOf(DeliveryPipeline pipeline, string shard) =>
        pipeline.ShardStatuses().Single(status => status.ShardId == shard).BufferedRecords;

    private async Task AdvanceUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }

        condition().ShouldBeTrue();
    }

    private static ShardPosition[] Positions(int first, int count) => [.. Enumerable.Range(first, count).Select(Records.Position)];

    private DeliveryPipeline Start(RecordingBatchWriter? writer = null, BufferingScope scope = BufferingScope.Worker, bool partitions = false)
    {
        var settings = new PipelineSettings
        {
            Name = "test-pipeline",
            Buffering = new BufferingHints { SizeInMBs = 1, IntervalInSeconds = 60, Scope = scope },
            MaxConcurrentDeliveries = 2,
            InitialRetryDelay = TimeSpan.FromMilliseconds(10),
            PartitionsObjects = partitions,
        };
        var pipeline = new DeliveryPipeline(settings, writer ?? _writer, _backup, new MemoryBudget(64L * 1024 * 1024), _time, NullLogger<DeliveryPipeline>.Instance, plans: new PlanServices(_ledger, _stream));
        pipeline.Start();
        _pipelines.Add(pipeline);
        return pipeline;
    }

    private IShardSession Open(DeliveryPipeline pipeline, string shard, PlannedBatch[]? pending = null) =>
        pipeline.OpenShard(new ShardSessionStart("stream", shard, null, pending ?? []), _leases[shard]);
}
