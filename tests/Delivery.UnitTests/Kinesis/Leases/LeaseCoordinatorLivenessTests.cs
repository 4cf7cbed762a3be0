using Delivery.Kinesis;
using Delivery.Kinesis.Client;
using Delivery.Kinesis.Leases;
using Delivery.Kinesis.Reading;
using Delivery.Pipeline;
using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Memory;
using Delivery.Testing;
using Delivery.UnitTests.Pipeline;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.UnitTests.Kinesis.Leases;

/// <summary>
/// Liveness of a fleet under the faults an adversarial review of issue 13 ("never stuck") found: a full delivery queue
/// during a stop or handoff, slow handoffs, backed-off shards, stopped requesters, abandoned batches, aged-out replays and
/// idle shards that start at LATEST. Each comment describes the failure the test was written against.
/// </summary>
public sealed class LeaseCoordinatorLivenessTests : IAsyncDisposable
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(3);
    private readonly FakeTimeProvider _time = new();
    private readonly InMemoryLeaseStore _store = new();
    private readonly FakeKinesisStream _stream;
    private readonly List<TestWorker> _workers = [];

    public LeaseCoordinatorLivenessTests()
    {
        _stream = new FakeKinesisStream("orders", _time);
    }

    /// <summary>
    /// Regression (liveness): a reader that has cut a batch waits in <c>ShardSession.EnqueueAllAsync</c> for room in the
    /// pipeline's bounded delivery queue, and that wait listens only to the pipeline's hard stop and to a lost lease,
    /// never to the reader's own token. With the destination down (or slow) the queue is full, so RequestStop and the
    /// grace deadline do not reach the reader: the consumer never drains, never releases, and
    /// <see cref="LeaseCoordinator.StopAsync"/> returns after its three extra seconds with the lease still held. The host
    /// then disposes the DynamoDB client, so peers wait a whole lease duration for a shard nobody reads; the guarantee
    /// of AStopWhoseGracePeriodRunsOut_ReleasesTheLeasesBeforeItReturns only holds while the queue has room.
    /// The same wait is reached from AcquireBudgetAsync (CutNowAsync before waiting for memory), which is exactly
    /// where readers sit when a destination is down and the memory budget has filled.
    /// </summary>
    [Fact]
    public async Task AStopWhoseGracePeriodRunsOut_ReleasesTheLease_EvenWhileTheReaderWaitsForRoomInTheDeliveryQueue()
    {
        string shard = _stream.AddShard();
        TestWorker worker = await StartAsync("worker-1", intervalSeconds: 0, maxConcurrentDeliveries: 1);
        await DriveUntil(() => worker.Coordinator.HeldShards.GetValueOrDefault(shard) == ShardConsumerState.Reading, "the shard is read");
        worker.Writer.Block();

        // Every page is a batch (interval 0): one is being written, two wait in the queue (capacity 2), and the reader
        // then waits to hand on the next one.
        await Drive(TimeSpan.FromSeconds(10), eachStep: () => _stream.Put(shard, 1));
        int reads = _stream.Reads.Count;
        await Drive(TimeSpan.FromSeconds(5), eachStep: () => _stream.Put(shard, 1));
        _stream.Reads.Count.ShouldBe(reads, "precondition: the reader is blocked handing a cut batch to the full delivery queue");

        using var grace = new CancellationTokenSource();
        Task stopping = worker.Coordinator.StopAsync(grace.Token);
        await grace.CancelAsync();
        await DriveUntil(() => stopping.IsCompleted, "the stop returns");

        _store[shard].Owner.ShouldBeNull(
            $"the stop returned with the lease still held by {_store[shard].Owner}: the consumer is still {worker.Coordinator.HeldShards.GetValueOrDefault(shard)}, "
            + "because the reader's wait for queue room ignores the stop and the grace deadline");
    }

    /// <summary>
    /// Regression (liveness, and churn below): the same uninterruptible wait keeps a handoff from ever completing while the
    /// owner's destination is down. The README promises "After HandoffTimeoutSeconds the owner hands over anyway", but
    /// the handoff deadline only cancels the drain, and the consumer never gets to its drain because its reader is still
    /// waiting to enqueue. The lease stays with the owner (renewed) and its pendingOwner stays set indefinitely.
    /// </summary>
    [Fact]
    public async Task AHandoff_IsCompletedAfterTheHandoffTimeout_EvenWhileTheOwnersReaderWaitsForRoomInTheDeliveryQueue()
    {
        (TestWorker a, string[] shards) = await TwoShardsHeldByAWorkerWhoseDestinationIsDownAsync();
        await StartAsync("worker-b", intervalSeconds: 0);
        await DriveUntil(() => _store.All.Any(lease => lease.PendingOwner == "worker-b"), "worker-b asks worker-a for one of its two leases", eachStep: () => PutEverywhere(shards));
        string asked = _store.All.Single(lease => lease.PendingOwner == "worker-b").LeaseKey;

        // HandoffTimeout is 30 s; give it twice that, plus the 30 s a disposed session may wait for its deliveries.
        await Drive(TimeSpan.FromSeconds(90), eachStep: () => PutEverywhere(shards));

        _store[asked].Owner.ShouldBe(
            "worker-b",
            $"90 s after the request the lease is still {_store[asked].Owner}'s (pendingOwner {_store[asked].PendingOwner}); "
            + $"worker-a's consumer is {a.Coordinator.HeldShards.GetValueOrDefault(asked)}. "
            + $"Requests by worker-b now pending: {string.Join(", ", _store.All.Where(lease => lease.PendingOwner == "worker-b").Select(lease => lease.LeaseKey))}");
    }

    /// <summary>
    /// Regression (churn): consequence of the previous one. The requester counts its request for only HandoffTimeout + 2 lease
    /// durations (36 s here). A handoff that has not completed by then no longer counts, so the requester asks for a
    /// second lease from the same owner. Once the destination is back, both handoffs complete, the requester holds 2
    /// and the former owner 0, and the former owner asks one back: three moves (each a drain and a lease duration of
    /// not reading) for a fleet that needed one. The request lifetime is also shorter than the longest handoff the
    /// consumer allows in the normal case: RequestHandoff notices the request up to a third of a lease duration late,
    /// then HandoffTimeout, then up to 30 s (ShardSession.DisposeWaitLimit) waiting for cancelled deliveries, so with the
    /// default 10 s lease duration a handoff may take ~63 s while the request counts for 50 s.
    /// </summary>
    [Fact]
    public async Task OneWorkerJoiningAnotherThatHoldsTwoShards_MovesOneLease_EvenWhenTheFirstHandoffIsSlow()
    {
        (TestWorker a, string[] shards) = await TwoShardsHeldByAWorkerWhoseDestinationIsDownAsync();
        TestWorker b = await StartAsync("worker-b", intervalSeconds: 0);
        await Drive(TimeSpan.FromSeconds(60), eachStep: () => PutEverywhere(shards));
        int requestsPending = _store.All.Count(lease => lease.PendingOwner == "worker-b");

        a.Writer.Unblock();
        await DriveUntil(() => a.Coordinator.HeldShards.Values.Count(state => state == ShardConsumerState.Reading) == 1 && b.Coordinator.HeldShards.Values.Count(state => state == ShardConsumerState.Reading) == 1, "the two workers read one shard each", eachStep: () => PutEverywhere(shards));
        await Drive(TimeSpan.FromSeconds(30), eachStep: () => PutEverywhere(shards));

        string moves = string.Join("; ", _store.History.Where(change => change.How == "handed over").Select(change => $"{change.LeaseKey} {change.From}->{change.To}"));
        _store.History.Count(change => change.How == "handed over").ShouldBe(
            1,
            $"a 2/0 split needs one move; worker-b had {requestsPending} requests pending at once, and the handoffs were: {moves}");
    }

    /// <summary>
    /// Regression (churn), independent of the blocked enqueue: LeaseTaker counts a request for HandoffTimeout + 2 lease
    /// durations, but the owner may legitimately take longer. It notices the request at its next renewal, drains until
    /// HandoffTimeout, then ShardSession.DisposeAsync waits up to 30 s (DisposeWaitLimit) for the shard's batches still in
    /// the pipeline's queue: a batch queued behind another shard's slow write is not cancelled until a delivery loop
    /// reaches it. Here the asked shard's batch waits behind the other shard's stuck write, the handoff takes about
    /// 60 s, the request stops counting after 36 s, and the requester asks for the owner's other lease too: both move,
    /// and one has to move back. (Defaults: 50 s of request lifetime against up to ~63 s of handoff.)
    /// </summary>
    [Fact]
    public async Task AHandoffSlowedByABatchQueuedBehindAnotherShardsWrite_DoesNotMakeTheRequesterAskForASecondLease()
    {
        string[] shards = [_stream.AddShard(), _stream.AddShard()];
        string asked = shards.MinBy(key => Rank("worker-b", key))!;
        string other = shards.Single(key => key != asked);
        TestWorker a = await StartAsync("worker-a", intervalSeconds: 0, maxConcurrentDeliveries: 1);
        await DriveUntil(() => a.Coordinator.HeldShards.Values.Count(state => state == ShardConsumerState.Reading) == 2, "worker-a reads both shards");

        // The other shard's destination write hangs (one delivery loop); the asked shard's next batch queues behind it.
        a.Writer.BlockWhere = batch => batch.Source.ShardId == other;
        _stream.Put(other, 1);
        await DriveUntil(() => a.Writer.Attempts >= 1, "the other shard's batch is being written");
        _stream.Put(asked, 1);
        await Drive(TimeSpan.FromSeconds(2));

        await StartAsync("worker-b", intervalSeconds: 0);
        int mostPending = 0;
        await Drive(TimeSpan.FromSeconds(80), eachStep: () => mostPending = Math.Max(mostPending, _store.All.Count(lease => lease.PendingOwner == "worker-b")));

        string moves = string.Join("; ", _store.History.Where(change => change.How == "handed over").Select(change => $"{change.LeaseKey} {change.From}->{change.To}"));
        mostPending.ShouldBe(1, $"worker-b needs one lease of worker-a's two, but asked for both while the first handoff was still under way; handoffs: {moves}");
    }

    /// <summary>
    /// Regression (liveness, minor): ShardFailures keeps a worker from taking back a shard it failed on until its backoff ends,
    /// but the coordinator filters only Reclaim and Candidates by it, never the handoff request. A worker below its share
    /// asks the most loaded worker for the lease it ranks first (the rank is a fixed hash of worker id and lease key), so
    /// it can ask for exactly the shard it is backing off from. The owner then stops reading it, drains and hands it over,
    /// and the requester does not take it up: the shard is unread until the lease expires, a peer takes it, and the
    /// requester, still below its share, asks for the same lease again, for as long as the backoff (up to five minutes).
    /// </summary>
    [Fact]
    public async Task AWorker_DoesNotAskForTheHandoffOfAShardItIsBackingOffFrom()
    {
        string[] shards = [_stream.AddShard(), _stream.AddShard(), _stream.AddShard(), _stream.AddShard()];
        string mine = shards[0];

        // The failing shard is the one worker-b would ask for first among worker-a's three.
        string failing = shards[1..].MinBy(key => Rank("worker-b", key))!;
        string[] others = [.. shards[1..].Where(key => key != failing)];
        foreach (string key in shards)
        {
            await _store.CreateLeaseIfNotExistsAsync(new Lease { LeaseKey = key }, CancellationToken.None);
        }

        foreach (string key in others)
        {
            // A live worker-a (simulated: its leases are renewed on every step) holds two shards.
            await _store.TryTakeLeaseAsync(_store[key], "worker-a", CancellationToken.None);
        }

        var kinesis = new FailingShardKinesis(_stream, failing);
        TestWorker b = await StartAsync("worker-b", kinesis: kinesis);

        // worker-b's share is 2 (4 leases, 2 live workers): it takes its own shard and the failing one, which fails every
        // time it is opened; the backoff doubles from one round (1 s) on.
        await DriveUntil(() => kinesis.Failures >= 5 && !b.Coordinator.HeldShards.ContainsKey(failing), "worker-b has failed on the shard five times and is backing off", eachStep: () => _store.RenewAllOf("worker-a"));

        // worker-a takes the failing shard (as a live peer does once the lease expires): worker-b now holds 1, worker-a 3.
        _store.Steal(failing, "worker-a");
        await DriveUntil(() => _store.All.Any(lease => lease.PendingOwner == "worker-b"), "worker-b, below its share, asks worker-a for a lease", eachStep: () => _store.RenewAllOf("worker-a"));

        _store.All.Single(lease => lease.PendingOwner == "worker-b").LeaseKey.ShouldNotBe(
            failing,
            "worker-b asked for the shard it is backing off from: once handed over it will not take it up, and the shard is unread until the lease expires");
    }

    /// <summary>
    /// Regression (liveness, minor): a worker that stops gracefully leaves its pending handoff request in the table, and the
    /// owner's renewer hands over to whoever pendingOwner names without asking whether it is still there (the taker's
    /// liveness rules are not consulted). The owner stops reading, drains, and makes the stopped worker the owner: the
    /// shard is unread for a further lease duration until somebody takes the expired lease. A stop could withdraw its
    /// requests (a conditional REMOVE of pendingOwner where it is this worker), or HandOff could be skipped for a
    /// requester whose request the owner's own taker no longer counts.
    /// </summary>
    [Fact]
    public async Task AWorkerThatStops_IsNotHandedTheLeaseItAskedFor()
    {
        string[] shards = [_stream.AddShard(), _stream.AddShard()];
        TestWorker a = await StartAsync("worker-a", intervalSeconds: 300);
        await DriveUntil(() => a.Coordinator.HeldShards.Values.Count(state => state == ShardConsumerState.Reading) == 2, "worker-a reads both shards");

        // worker-a's drain has a batch to write and its destination is slow, so its handoff finishes after the requester stopped.
        PutEverywhere(shards);
        await Drive(TimeSpan.FromSeconds(2));
        a.Writer.Block();
        TestWorker b = await StartAsync("worker-b");
        await DriveUntil(() => _store.All.Any(lease => lease.PendingOwner == "worker-b"), "worker-b asks for a lease");
        await b.Coordinator.StopAsync(CancellationToken.None);
        await b.Pipeline.StopAsync(CancellationToken.None);

        a.Writer.Unblock();
        await Drive(TimeSpan.FromSeconds(10));

        _store.History.Where(change => change.To == "worker-b").ShouldBeEmpty("a lease was handed to a worker that had already stopped");
    }

    /// <summary>
    /// Regression (liveness / "retried forever while healthy"): an exception in DeliveryPipeline.DeliverAsync outside the
    /// retry (here FailedRecordChecks refusing a writer's failure report; also anything Acknowledge or the telemetry
    /// throw) abandons the session. The consumer then ends as LeaseLost, not as a failure, so the coordinator clears the
    /// shard's ShardFailures record, and since the table still names this worker the lease is reclaimed in the very next
    /// round. The same batch fails again: the shard is re-taken and re-read every round, for ever, with no backoff, no
    /// ShardReadFailures metric, no error on the status page, and a "lease lost" log line each time; liveness stays green.
    /// </summary>
    [Fact]
    public async Task ABatchThePipelineAbandons_IsRetriedWithTheShardBackoff_NotEveryLeaseRound()
    {
        string shard = _stream.AddShard();
        _stream.Put(shard, 10);
        TestWorker worker = await StartAsync("worker-1");
        worker.Writer.FailRecords = batch => [new FailedRecord(batch.Records.Count, "Bug.IndexOutOfRange", "a writer that misreports its failures", ErrorOutputTypes.ProcessingFailed)];

        await Drive(TimeSpan.FromSeconds(60));

        int takes = _store.History.Count(change => change.LeaseKey == shard && change.To == "worker-1");
        takes.ShouldBeLessThanOrEqualTo(
            8,
            $"with the per-shard backoff (1 s doubling to 5 min) a minute allows about 6 attempts; the shard was taken {takes} times and read from its checkpoint each time");
    }

    /// <summary>
    /// Regression (stuck: every worker exits 1, and no configuration change helps): a manual replay (InitialPosition
    /// AtSequenceNumber) keeps the checkpoint sentinel AT_SEQUENCE_NUMBER until its first batch is delivered, and its
    /// first planned batch starts at the configured sequence number. If that record ages out before the first delivery
    /// (the destination is down; replays typically start near the retention edge), the next owner opens the shard at it,
    /// gets InvalidArgumentException, and the first catch in ShardReader.TryOpenIteratorAsync (resumeAt equals the
    /// lease's startingSequenceNumber) turns it into the worker-wide Kinesis.InvalidStartingSequenceNumber: the worker
    /// exits 1, ECS restarts it, the next owner exits 1 too. The new trim-horizon fallback never applies, and since the
    /// lease (not the configuration) holds the start, removing the setting does not help either.
    /// </summary>
    [Fact]
    public async Task AManualReplayWhoseStartAgedOutBeforeItsFirstDelivery_GoesOnFromTheTrimHorizon_InsteadOfStoppingTheWorker()
    {
        string shard = _stream.AddShard();
        IReadOnlyList<string> sequences = _stream.Put(shard, 10);
        Dictionary<string, string> replay = new() { [shard] = sequences[2] };
        TestWorker first = await StartAsync("worker-1", initialPosition: InitialPosition.AtSequenceNumber, startingSequenceNumbers: replay);
        first.Writer.Block();
        await DriveUntil(() => first.Writer.Attempts > 0, "the replay's first batch is planned and being written");
        _store[shard].Checkpoint.ShouldBe(LeaseCheckpoint.AtSequenceNumber, "precondition: nothing of the replay is delivered yet");
        _store[shard].PendingBatches.ShouldNotBeEmpty("precondition: its first batch is planned from the replay's start");

        // The worker dies while its destination is down; meanwhile the replay's first records age out of the stream.
        _store.CutOff("worker-1");
        _stream.Trim(shard, 5);
        _stream.Put(shard, 2);
        TestWorker second = await StartAsync("worker-2", initialPosition: InitialPosition.AtSequenceNumber, startingSequenceNumbers: replay);
        await DriveUntil(() => second.Coordinator.Completion.IsCompleted || _store[shard].Checkpoint.Value == _stream.LastSequenceNumber(shard), "the shard is delivered or the worker stops");

        second.Coordinator.Completion.IsFaulted.ShouldBeFalse(
            $"the worker stopped: {second.Coordinator.Completion.Exception?.InnerException?.Message}");
    }

    /// <summary>
    /// Regression (data loss, InitialPosition Latest or AtTimestamp): startingSequenceNumber is only written once a record has
    /// been read. A shard that has had no record since its owner opened it at LATEST keeps the bare LATEST checkpoint, so
    /// when that owner lets go (a release on SIGTERM as here, a balancing handoff, a lost lease or a crash) the next owner
    /// opens a new LATEST iterator, and every record put between the first owner's last (empty) read and that open is
    /// skipped, although it arrived after the pipeline started. Idle and low-traffic shards hit this on every deploy
    /// and at fleet start (a worker holding no lease is invisible to the others, so with staggered starts the first
    /// worker takes every lease and the rest are moved by handoffs within the first minutes).
    /// </summary>
    [Fact]
    public async Task ARecordPutWhileAnIdleShardStartedAtLatestChangesOwner_IsDelivered()
    {
        string shard = _stream.AddShard();
        _stream.Put(shard, 2);

        // Records from before the start, further back than the 30 s allowed for clock differences, stay unread.
        _time.Advance(TimeSpan.FromMinutes(1));
        TestWorker first = await StartAsync("worker-1", initialPosition: InitialPosition.Latest);
        await DriveUntil(() => _stream.Reads.Count(read => read.ShardId == shard) >= 2, "the shard is read at LATEST (nothing new yet)");
        await first.Coordinator.StopAsync(CancellationToken.None);
        _store[shard].Owner.ShouldBeNull("precondition: released");
        _store[shard].Checkpoint.ShouldBe(LeaseCheckpoint.Latest);

        // Put after the pipeline started, while the shard changes hands.
        IReadOnlyList<string> duringTheMove = _stream.Put(shard, 3);
        TestWorker second = await StartAsync("worker-2", initialPosition: InitialPosition.Latest);
        await DriveUntil(() => _stream.IteratorRequests.Count(request => request.ShardId == shard) >= 2, "the new owner opens the shard");
        _stream.Put(shard, 1);
        await DriveUntil(() => CheckpointOf(shard) == _stream.LastSequenceNumber(shard), "the new owner checkpoints the last record");

        List<string> delivered = [.. second.Writer.Delivered.SelectMany(batch => batch.Records).Select(record => record.Position.SequenceNumber)];
        delivered.ShouldBe([.. duringTheMove, _stream.LastSequenceNumber(shard)], "records put after the start, while the idle shard moved, were skipped");
    }

    /// <summary>
    /// Guard: the new trim-horizon fallback with a previous owner's planned batch. The checkpoint record has aged
    /// out, the planned batch right after it has not: the new owner reads from the trim horizon, skips nothing it should
    /// deliver, and cuts the planned batch at the same points, so the object written before the crash is overwritten
    /// rather than duplicated.
    /// </summary>
    [Fact]
    public async Task ACheckpointThatAgedOut_WithAPlannedBatchAfterIt_IsReplayedUnderTheSameBatchId()
    {
        string shard = _stream.AddShard();
        _stream.Put(shard, 5);
        TestWorker first = await StartAsync("worker-1");
        await DriveUntil(() => CheckpointOf(shard) == _stream.LastSequenceNumber(shard), "the first five records are delivered");
        first.Writer.HangAfterWriting = true;
        int delivered = first.Writer.Written.Count;
        _stream.Put(shard, 5);
        await DriveUntil(() => first.Writer.Written.Count > delivered, "the next batch is written but never acknowledged");
        DeliveryBatch written = first.Writer.Written.Last();
        _store.CutOff("worker-1");
        _stream.Trim(shard, 5);

        TestWorker second = await StartAsync("worker-2");
        await DriveUntil(() => CheckpointOf(shard) == _stream.LastSequenceNumber(shard), "the new owner delivers the rest");

        DeliveryBatch again = second.Writer.Delivered.First();
        again.Id.ShouldBe(written.Id);
        second.Writer.Delivered.SelectMany(batch => batch.Records).Count().ShouldBe(5);
    }

    /// <summary>
    /// Guard: a renewal refused because an earlier one was applied but its reply lost is recovered by re-reading
    /// the lease, but a lease whose owner handed it over (HandOff keeps the tenure and changes the owner) or released it
    /// is never "renewed back".
    /// </summary>
    [Fact]
    public async Task ARefusedRenewal_IsNotRecovered_WhenTheLeaseWasHandedOverMeanwhile()
    {
        string shard = _stream.AddShard();
        _stream.Put(shard, 5);
        TestWorker worker = await StartAsync("worker-1", intervalSeconds: 300);
        await DriveUntil(() => worker.Coordinator.HeldShards.GetValueOrDefault(shard) == ShardConsumerState.Reading, "the shard is read");

        // Another worker's HandOff in the same tenure (as if a request had been answered by a stale process): owner
        // changes, tenure stays. The renewer must not take it back.
        Lease current = _store[shard];
        await _store.RequestHandoffAsync(current, "worker-2", CancellationToken.None);
        await _store.HandOffLeaseAsync(_store[shard], "worker-2", CancellationToken.None);
        await Drive(TimeSpan.FromSeconds(3));

        _store[shard].Owner.ShouldBe("worker-2");
        worker.Coordinator.HeldShards.ContainsKey(shard).ShouldBeFalse();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (TestWorker worker in _workers)
        {
            worker.Writer.Unblock();
            await worker.DisposeAsync();
        }
    }

    private string? CheckpointOf(string shard) => _store.All.FirstOrDefault(lease => lease.LeaseKey == shard)?.Checkpoint.Value;

    /// <summary>FNV-1a of worker id and lease key, as LeaseTaker ranks leases.</summary>
    private static ulong Rank(string workerId, string leaseKey)
    {
        ulong hash = 14695981039346656037;
        foreach (char c in workerId + "\n" + leaseKey)
        {
            hash = (hash ^ c) * 1099511628211;
        }

        return hash;
    }

    private void PutEverywhere(string[] shards)
    {
        foreach (string shard in shards)
        {
            _stream.Put(shard, 1);
        }
    }

    /// <summary>worker-a alone reads two shards; then its destination stops answering and both readers block on the full queue.</summary>
    private async Task<(TestWorker Worker, string[] Shards)> TwoShardsHeldByAWorkerWhoseDestinationIsDownAsync()
    {
        string[] shards = [_stream.AddShard(), _stream.AddShard()];
        TestWorker a = await StartAsync("worker-a", intervalSeconds: 0, maxConcurrentDeliveries: 1);
        await DriveUntil(() => a.Coordinator.HeldShards.Values.Count(state => state == ShardConsumerState.Reading) == 2, "worker-a reads both shards");
        a.Writer.Block();
        await Drive(TimeSpan.FromSeconds(10), eachStep: () => PutEverywhere(shards));
        int[] reads = [.. shards.Select(shard => _stream.Reads.Count(read => read.ShardId == shard))];
        await Drive(TimeSpan.FromSeconds(5), eachStep: () => PutEverywhere(shards));
        shards.Select(shard => _stream.Reads.Count(read => read.ShardId == shard)).ShouldBe(reads, "precondition: both readers wait for room in worker-a's delivery queue");
        return (a, shards);
    }

    private async Task<TestWorker> StartAsync(
        string workerId,
        int intervalSeconds = 1,
        int maxConcurrentDeliveries = 4,
        IKinesisClient? kinesis = null,
        InitialPosition initialPosition = InitialPosition.TrimHorizon,
        Dictionary<string, string>? startingSequenceNumbers = null)
    {
        var options = new KinesisSourceOptions
        {
            StreamName = _stream.StreamName,
            InitialPosition = initialPosition,
            StartingSequenceNumbers = startingSequenceNumbers ?? [],
            Leases = new LeaseOptions { LeaseDurationSeconds = (int)LeaseDuration.TotalSeconds, HandoffTimeoutSeconds = 30 },
            Reading = new ReadingOptions(),
        };
        var worker = new TestWorker(workerId, options, kinesis ?? _stream, _store, _time, intervalSeconds, maxConcurrentDeliveries);
        _workers.Add(worker);
        await worker.Coordinator.StartAsync(CancellationToken.None);
        return worker;
    }

    private async Task Drive(TimeSpan duration, Action? eachStep = null)
    {
        TimeSpan stride = TimeSpan.FromMilliseconds(50);
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

    /// <summary>The fake stream, except that opening one shard always fails with an unexpected answer.</summary>
    private sealed class FailingShardKinesis(FakeKinesisStream inner, string failingShard) : IKinesisClient
    {
        private int _failures;

        public int Failures => Volatile.Read(ref _failures);

        public Task<DescribeStreamSummaryResponse> DescribeStreamSummaryAsync(DescribeStreamSummaryRequest request, CancellationToken cancellationToken = default) =>
            inner.DescribeStreamSummaryAsync(request, cancellationToken);

        public Task<ListShardsResponse> ListShardsAsync(ListShardsRequest request, CancellationToken cancellationToken = default) =>
            inner.ListShardsAsync(request, cancellationToken);

        public Task<GetShardIteratorResponse> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken = default)
        {
            if (request.ShardId == failingShard)
            {
                Interlocked.Increment(ref _failures);
                throw new InvalidOperationException($"an unexpected answer opening {failingShard}");
            }

            return inner.GetShardIteratorAsync(request, cancellationToken);
        }

        public Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken = default) =>
            inner.GetRecordsAsync(request, cancellationToken);

        public Task<PutRecordsResponse> PutRecordsAsync(PutRecordsRequest request, CancellationToken cancellationToken = default) =>
            inner.PutRecordsAsync(request, cancellationToken);

        public Task<CreateStreamResponse> CreateStreamAsync(CreateStreamRequest request, CancellationToken cancellationToken = default) =>
            inner.CreateStreamAsync(request, cancellationToken);
    }

    private sealed class TestWorker : IAsyncDisposable
    {
        public TestWorker(string id, KinesisSourceOptions options, IKinesisClient kinesis, InMemoryLeaseStore store, FakeTimeProvider time, int intervalSeconds, int maxConcurrentDeliveries)
        {
            Pipeline = new DeliveryPipeline(
                new PipelineSettings
                {
                    Name = "p",
                    Buffering = new BufferingHints { SizeInMBs = 1, IntervalInSeconds = intervalSeconds },
                    MaxConcurrentDeliveries = maxConcurrentDeliveries,
                },
                Writer,
                new RecordingBackupWriter(),
                new MemoryBudget(64L * 1024 * 1024),
                time,
                NullLogger<DeliveryPipeline>.Instance);
            Pipeline.Start();
            Coordinator = new LeaseCoordinator(id, options, kinesis, store, Pipeline, time, NullLogger<LeaseCoordinator>.Instance);
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
