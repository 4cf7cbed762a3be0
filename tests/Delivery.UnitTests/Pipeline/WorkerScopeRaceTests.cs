using Delivery.Pipeline;
using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Memory;
using Delivery.Plans;
using Delivery.Testing;
using Delivery.UnitTests.Pipeline.Plans;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Delivery.UnitTests.Pipeline;

/// <summary>
/// Interleavings of <c>Buffering:Scope: Worker</c> (decision 0014) between a shard's own buffer, the worker buffer, the
/// delivery queue and the status page: each once broke a shard's checkpoint or hung the worker.
/// </summary>
public sealed class WorkerScopeRaceTests : IAsyncLifetime
{
    private const string A = "shardId-000000000001";
    private const string B = "shardId-000000000002";
    private const string C = "shardId-000000000003";
    private readonly HookedTimeProvider _time = new();
    private readonly RecordingBatchWriter _writer = new();
    private readonly RecordingBackupWriter _backup = new();
    private readonly InMemoryPlanLedger _ledger = new();
    private readonly FakeRangeReader _stream = new();
    private readonly Dictionary<string, RecordingCheckpointer> _leases = new() { [A] = new(), [B] = new(), [C] = new() };
    private readonly List<DeliveryPipeline> _pipelines = [];

    // Set when a test leaves threads deadlocked inside a pipeline: disposing it would hang the test run too.
    private bool _hung;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _writer.Unblock();
        if (_hung)
        {
            return;
        }

        foreach (DeliveryPipeline pipeline in _pipelines)
        {
            await pipeline.DisposeAsync();
        }
    }

    [Fact]
    public async Task ARecordPastAPreviousOwnersTrimmedCut_IsDelivered_BeforeTheCheckpointPassesIt()
    {
        DeliveryPipeline pipeline = Start();
        IShardSession b = Open(pipeline, B);

        // B's records start the worker buffer's interval.
        await b.AppendAsync(Records.Page(B, 101, 3), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(30));

        // A's previous owner cut 1..5 and crashed; retention has trimmed it since: A's stream starts at 9.
        IShardSession a = Open(pipeline, A, [new PlannedBatch(Records.Position(1), Records.Position(5))]);
        await a.AppendAsync(Records.Page(A, 9, 2), CancellationToken.None);

        // The worker buffer's interval ends first, then A's own.
        _time.Advance(TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(() => _leases[B].LastCheckpoint == Records.Position(103), "the worker buffer's plan is written");
        _time.Advance(TimeSpan.FromSeconds(30));

        await Eventually.TrueAsync(() => _leases[A].LastCheckpoint == Records.Position(10), "A checkpoints at its end");
        await Eventually.TrueAsync(
            () => _writer.Delivered.SelectMany(batch => batch.Records).Any(record => record.Position == Records.Position(9)),
            "record 9, which A's checkpoint has passed, is in an object",
            TimeSpan.FromSeconds(3));
        ShardPosition[] written = [.. _writer.Delivered.SelectMany(batch => batch.Records).Select(record => record.Position).Order()];
        written.ShouldBe([Records.Position(9), Records.Position(10), .. Positions(101, 3)], "every record once");
    }

    [Fact]
    public async Task TheStatusPage_ReadWhileTheWorkerBufferIsCut_DoesNotDeadlock()
    {
        DeliveryPipeline pipeline = Start();
        IShardSession a = Open(pipeline, A);
        await a.AppendAsync(Records.Page(A, 1, 3), CancellationToken.None);

        // The cut disposes the interval timer while it holds the worker buffer and before it registers A's piece with
        // A's session: the status page asks A's session about its records just then.
        var status = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var asking = new ManualResetEventSlim();
        _time.OnNextTimerDispose = () =>
        {
            new Thread(() =>
            {
                asking.Set();
                pipeline.ShardStatuses();
                status.SetResult();
            }) { IsBackground = true }.Start();
            asking.Wait();
            Thread.Sleep(200);
        };
        Task interval = Task.Run(() => _time.Advance(TimeSpan.FromSeconds(60)));

        bool finished = await Task.WhenAny(interval, Task.Delay(TimeSpan.FromSeconds(5))) == interval
            && await Task.WhenAny(status.Task, Task.Delay(TimeSpan.FromSeconds(5))) == status.Task;
        _hung = !finished;
        finished.ShouldBeTrue("the cut finishes and the status page answers");
        await Eventually.TrueAsync(() => _leases[A].LastCheckpoint == Records.Position(3), "A checkpoints");
    }

    [Fact]
    public async Task APlanWhoseCutterStopsWaitingForTheQueue_IsStillDelivered_SoTheOtherShardsCheckpointsGoOn()
    {
        // One delivery loop and two places in the queue.
        DeliveryPipeline pipeline = Start(maxConcurrentDeliveries: 1);
        IShardSession a = Open(pipeline, A);
        IShardSession b = Open(pipeline, B);
        _writer.Block();
        int next = 1;
        for (int plans = 0; plans < 3; plans++)
        {
            // 1.1 MB: each page cuts a plan of A alone.
            await a.AppendAsync(Records.Page(A, next, 11, size: 100 * 1024), CancellationToken.None);
            next += 11;
            await Eventually.TrueAsync(() => _writer.Attempts >= 1, "the delivery loop takes the first plan");
        }

        // B's records wait in the worker buffer; A's next page cuts them into a plan that cannot enter the full queue.
        await b.AppendAsync(Records.Page(B, 101, 3), CancellationToken.None);
        using var readerStops = new CancellationTokenSource();
        Task append = a.AppendAsync(Records.Page(A, next, 11, size: 100 * 1024), readerStops.Token).AsTask();
        await Task.Delay(100);
        append.IsCompleted.ShouldBeFalse("the queue is full");

        // A's reader stops (a handoff, a shutdown): it stops waiting. B's reader goes on.
        await readerStops.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(append);
        _writer.Unblock();

        await Eventually.TrueAsync(() => _leases[B].LastCheckpoint == Records.Position(103), "B checkpoints over its records in that plan");
        _writer.Delivered.SelectMany(batch => batch.Records).Count(record => record.Position >= Records.Position(101)).ShouldBe(3);
    }

    [Fact]
    public async Task AShardStoppingAsThePlanIsCut_IsLeftOut_AndTheOthersAreStillWrittenAsOnePlan()
    {
        DeliveryPipeline pipeline = Start();
        IShardSession a = Open(pipeline, A);
        IShardSession b = Open(pipeline, B);
        IShardSession c = Open(pipeline, C);
        await a.AppendAsync(Records.Page(A, 1, 5), CancellationToken.None);
        await b.AppendAsync(Records.Page(B, 101, 3), CancellationToken.None);
        await c.AppendAsync(Records.Page(C, 201, 2), CancellationToken.None);

        // The interval's cut holds the worker buffer when A's lease is lost: A's session is stopped, and its records are
        // still in the worker buffer, waiting for the lock the cut holds.
        Thread? stopping = null;
        _time.OnNextTimerDispose = () =>
        {
            stopping = new Thread(a.Abandon) { IsBackground = true };
            stopping.Start();
            SpinWait.SpinUntil(() => ((ShardSession)a).IsStopped, TimeSpan.FromSeconds(5)).ShouldBeTrue("A stops");
        };
        _time.Advance(TimeSpan.FromSeconds(60));
        stopping.ShouldNotBeNull().Join(TimeSpan.FromSeconds(5)).ShouldBeTrue("A's stop finishes once the cut lets go");

        await Eventually.TrueAsync(() => _leases[B].LastCheckpoint == Records.Position(103) && _leases[C].LastCheckpoint == Records.Position(202), "B and C checkpoint");
        DeliveryBatch written = _writer.Delivered.ShouldHaveSingleItem("B's and C's records in one object, not one each");
        written.Sources.Select(source => source.ShardId).ShouldBe([B, C]);
        _ledger.Plans.ShouldAllBe(plan => plan.State == PlanState.Written, "no plan is aborted for A's sake");
        _leases[A].Writes.ShouldBeEmpty("A's records are neither written nor checkpointed: its next owner reads them again");
    }

    private static ShardPosition[] Positions(int first, int count) => [.. Enumerable.Range(first, count).Select(Records.Position)];

    private DeliveryPipeline Start(int maxConcurrentDeliveries = 2)
    {
        var settings = new PipelineSettings
        {
            Name = "test-pipeline",
            Buffering = new BufferingHints { SizeInMBs = 1, IntervalInSeconds = 60, Scope = BufferingScope.Worker },
            MaxConcurrentDeliveries = maxConcurrentDeliveries,
            InitialRetryDelay = TimeSpan.FromMilliseconds(10),
        };
        var pipeline = new DeliveryPipeline(settings, _writer, _backup, new MemoryBudget(64L * 1024 * 1024), _time, NullLogger<DeliveryPipeline>.Instance, plans: new PlanServices(_ledger, _stream));
        pipeline.Start();
        _pipelines.Add(pipeline);
        return pipeline;
    }

    private IShardSession Open(DeliveryPipeline pipeline, string shard, PlannedBatch[]? pending = null) =>
        pipeline.OpenShard(new ShardSessionStart("stream", shard, null, pending ?? []), _leases[shard]);

    /// <summary>A fake clock that can run code inside the next disposal of one of its timers (a point inside a lock).</summary>
    private sealed class HookedTimeProvider : TimeProvider
    {
        private readonly FakeTimeProvider _inner = new();
        private Action? _onNextTimerDispose;

        public Action? OnNextTimerDispose
        {
            set => Volatile.Write(ref _onNextTimerDispose, value);
        }

        public override long TimestampFrequency => _inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow();

        public override long GetTimestamp() => _inner.GetTimestamp();

        public void Advance(TimeSpan delta) => _inner.Advance(delta);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            new HookedTimer(this, _inner.CreateTimer(callback, state, dueTime, period));

        private sealed class HookedTimer(HookedTimeProvider owner, ITimer inner) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(dueTime, period);

            public void Dispose()
            {
                Interlocked.Exchange(ref owner._onNextTimerDispose, null)?.Invoke();
                inner.Dispose();
            }

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
