using System.Threading.Channels;
using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Checkpointing;
using Delivery.Pipeline.Memory;

namespace Delivery.Pipeline;

/// <summary>
/// One leased shard inside a pipeline: its buffer, its interval timer, the batches it has in flight and its checkpoint.
/// Batches are cut here in shard order, delivered by the pipeline's delivery loops, and acknowledged back here; the
/// checkpoint written to the lease covers only what is delivered (see <see cref="CheckpointTracker"/>).
/// </summary>
internal sealed partial class ShardSession : IShardSession
{
    private static readonly TimeSpan DisposeWaitLimit = TimeSpan.FromSeconds(30);
    private readonly DeliveryPipeline _pipeline;
    private readonly IShardCheckpointer _checkpointer;
    private readonly ShardBuffer _buffer;
    private readonly string _streamName;
    private readonly CheckpointTracker _tracker;
    private readonly Lock _gate = new();

    // Neither is disposed: batches of this session may still sit in the pipeline's queue after the session is gone,
    // and they must still be able to look at the token and the lock.
    private readonly SemaphoreSlim _persistLock = new(1, 1);
    private readonly CancellationTokenSource _leaseLost = new();
    private readonly HashSet<DeliveryWork> _inFlight = [];
    private ShardPosition? _lastAppended;

    // Budget bytes taken for the next page before it was read; the next append settles them against the page.
    private long _reserved;
    private DateTimeOffset _bufferOldestArrival;
    private ITimer? _intervalTimer;

    // Completed (and replaced) when the checkpoint moves or the session stops: a reader waiting for room under the
    // shard's limit of pending batches looks again then.
    private TaskCompletionSource? _pendingShrank;
    private long _timerGeneration;
    private long _persistedVersion;
    private bool _stopped;
    private Exception? _failure;

    public ShardSession(DeliveryPipeline pipeline, ShardSessionStart start, IShardCheckpointer checkpointer)
    {
        _pipeline = pipeline;
        _checkpointer = checkpointer;
        ShardId = start.ShardId;
        _streamName = start.StreamName;
        _buffer = new ShardBuffer(pipeline.Name, start.StreamName, start.ShardId, pipeline.Settings.Buffering.SizeInBytes, start.PendingBatches);
        _unresolved = [.. start.PendingBatches.Where(piece => piece.PlanId is not null && !piece.Done)];
        _tracker = new CheckpointTracker(start.Checkpoint);
        _lastAppended = start.Checkpoint;

        // What the lease holds now is what was persisted: nothing to write until the state changes.
        _persistedVersion = _tracker.Version;
    }

    public string ShardId { get; }

    public CancellationToken LeaseLost => _leaseLost.Token;

    public async ValueTask ReserveAsync(long bytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        await EnsurePlansResolvedAsync(cancellationToken).ConfigureAwait(false);
        long more;
        lock (_gate)
        {
            ThrowIfLost();
            more = bytes - _reserved;
        }

        if (more <= 0)
        {
            return;
        }

        await AcquireBudgetAsync(more, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (!_stopped)
            {
                _reserved += more;
                return;
            }
        }

        _pipeline.Budget.Release(more);
        ThrowIfLost();
    }

    public async ValueTask AppendAsync(RecordPage page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        try
        {
            await AppendOwnedAsync(page, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // The caller's reference, handed over with the page; the buffer and the batches hold their own.
            page.Release();
        }
    }

    public async Task<ShardPosition?> DrainAsync(CancellationToken cancellationToken)
    {
        ThrowIfLost();
        DeliveryWork? last = null;
        Task[] inFlight;
        long reserved;
        lock (_gate)
        {
            // Reading has stopped: a reservation for a page that will not come goes back.
            reserved = _reserved;
            _reserved = 0;
            DisposeTimerLocked();
            if (_buffer.TryCutNow() is { } batch)
            {
                last = StartDeliveryLocked(batch);
            }
            else if (!_buffer.IsEmpty)
            {
                Log.ShardDrainLeftRecords(_pipeline.Logger, _pipeline.Name, ShardId, _buffer.Count);
                _buffer.Discard();
            }
        }

        if (reserved > 0)
        {
            _pipeline.Budget.Release(reserved);
        }

        if (last is not null)
        {
            await EnqueueAllAsync([last], cancellationToken).ConfigureAwait(false);
        }

        if (_pipeline.IsWorkerScope)
        {
            // This shard's records in the worker buffer go with everyone else's: one plan, rather than a small object.
            await _pipeline.CutWorkerBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            inFlight = [.. _inFlight.Select(work => work.Completion.Task), .. _planWaits];
        }

        await Task.WhenAll(inFlight).WaitAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfLost();
        await PersistAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            return _tracker.Checkpoint;
        }
    }

    public void Abandon() => Stop(leaseLost: true);

    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Stops the session because a batch could not be delivered; the reader ends with <paramref name="error"/>.</summary>
    internal void Fail(Exception error)
    {
        Interlocked.CompareExchange(ref _failure, error, null);
        Stop(leaseLost: true);
    }

    private async ValueTask AppendOwnedAsync(RecordPage page, CancellationToken cancellationToken)
    {
        await EnsurePlansResolvedAsync(cancellationToken).ConfigureAwait(false);
        if (page.Count > 0)
        {
            await WaitForPendingRoomAsync(cancellationToken).ConfigureAwait(false);
        }

        long cost = page.Count == 0 ? 0 : page.MemoryBytes;
        long reserved;
        lock (_gate)
        {
            ThrowIfLost();
            reserved = _reserved;
            _reserved = 0;
        }

        if (reserved > cost)
        {
            _pipeline.Budget.Release(reserved - cost);
        }
        else if (reserved > 0 && cost > reserved)
        {
            // The page is in memory already: account for it truthfully, so that other readers wait until it is back.
            _pipeline.Budget.ForceAcquire(cost - reserved);
        }
        else if (reserved == 0 && cost > 0)
        {
            await AcquireBudgetAsync(cost, cancellationToken).ConfigureAwait(false);
        }

        if (page.Count == 0)
        {
            return;
        }

        // From here on, the page gives its bytes back to the budget itself when its last holder lets go of it.
        page.ChargeTo(_pipeline.Budget);
        var cuts = new List<DeliveryWork>();
        int toWorkerBuffer = -1;
        int skippedRecords;
        long skippedBytes = 0;
        lock (_gate)
        {
            ThrowIfLost();
            var batches = new List<DeliveryBatch>();

            // A re-read after an expired iterator or a replay may overlap what this session already holds. A page is in
            // shard order, so only its head can overlap: skip that, then append the rest as a block.
            int first = 0;
            while (first < page.Count && _lastAppended is { } last && page.Records[first].ComparePosition(last) <= 0)
            {
                skippedBytes += page.DataLengthAt(first);
                first++;
            }

            skippedRecords = first;
            if (first < page.Count && _buffer.IsReplayingPlannedCuts)
            {
                // A previous owner's pieces first: cut where it cut, and pass over ranges that are in plans' objects.
                first = ReplayLocked(page, first, cuts);
                _lastAppended = page.Records[first - 1].Position;
            }

            if (first < page.Count && _pipeline.IsWorkerScope)
            {
                toWorkerBuffer = first;
                _lastAppended = page.Records[^1].Position;
            }
            else if (first < page.Count)
            {
                int cutsBefore = batches.Count;
                bool wasEmpty = _buffer.IsEmpty;
                _buffer.Append(page, first, batches);
                _lastAppended = page.Records[^1].Position;

                // After a cut the buffer holds only the page's tail; otherwise the page's records join what was there.
                bool restarted = wasEmpty || batches.Count > cutsBefore;
                int from = restarted ? page.Count - _buffer.Count : first;
                if (from < page.Count)
                {
                    DateTimeOffset oldest = page.OldestArrival(from, page.Count - from);
                    _bufferOldestArrival = restarted || oldest < _bufferOldestArrival ? oldest : _bufferOldestArrival;
                }
            }

            if (_pipeline.Settings.Buffering.IntervalInSeconds == 0 && _buffer.TryCutNow() is { } immediate)
            {
                batches.Add(immediate);
            }

            cuts.AddRange(batches.Select(StartDeliveryLocked));
            if (batches.Count > 0)
            {
                // What is left after a cut is a new buffer: its interval starts now, not with the records cut away.
                DisposeTimerLocked();
            }

            ArmOrDisarmIntervalTimerLocked();
        }

        _pipeline.Telemetry?.RecordsIncoming(page.Count - skippedRecords, page.DataBytes - skippedBytes);

        await EnqueueAllAsync(cuts, cancellationToken).ConfigureAwait(false);
        if (toWorkerBuffer >= 0)
        {
            await _pipeline.AppendToWorkerBufferAsync(this, page, toWorkerBuffer, page.Count - toWorkerBuffer, _streamName, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Arrival of the oldest record of this shard that is buffered or in a batch not yet completed; null if none.</summary>
    internal DateTimeOffset? OldestUndeliveredArrival()
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return null;
            }

            DateTimeOffset? oldest = _buffer.IsEmpty ? null : _bufferOldestArrival;
            foreach (DeliveryWork work in _inFlight)
            {
                if (oldest is null || work.Batch.OldestArrival < oldest)
                {
                    oldest = work.Batch.OldestArrival;
                }
            }

            return oldest;
        }
    }

    internal ShardDeliveryStatus Status()
    {
        // Read before this session's lock, never under it: a cut holds the worker buffer's lock while it takes this one.
        (int workerCount, long workerBytes) = _pipeline.IsWorkerScope ? _pipeline.WorkerBuffered(ShardId) : (0, 0);
        lock (_gate)
        {
            return new ShardDeliveryStatus(ShardId, _tracker.Checkpoint, _buffer.Count + workerCount, _buffer.Bytes + workerBytes, _inFlight.Count, _stopped);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A session disposed without a drain gives its buffered bytes back; what was buffered is re-read later.
        Stop(leaseLost: false);

        // Its deliveries are cancelled now; waiting for them keeps a late checkpoint write of this tenure from landing
        // after the same worker has taken the lease up again.
        Task[] inFlight;
        lock (_gate)
        {
            inFlight = [.. _inFlight.Select(work => work.Completion.Task)];
        }

        Task all = Task.WhenAll(inFlight);
        await Task.WhenAny(all, Task.Delay(DisposeWaitLimit, _pipeline.TimeProvider)).ConfigureAwait(false);
        _pipeline.Forget(this);
    }

    /// <summary>True while the buffer holds records a cut could send on their way.</summary>
    internal bool HasBufferedRecords
    {
        get
        {
            lock (_gate)
            {
                return !_stopped && !_buffer.IsEmpty;
            }
        }
    }

    /// <summary>
    /// Cuts what is buffered now, off the caller's path: when the interval elapses, or when a reader somewhere waits
    /// for memory (see <see cref="MemoryBudget"/>).
    /// </summary>
    internal async Task CutInBackgroundAsync()
    {
        try
        {
            await CutNowAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException or LeaseLostException or ObjectDisposedException)
        {
            // Shutting down or lease lost: drain (or the next owner) takes care of what is buffered.
        }
    }

    /// <summary>Marks a delivered batch and lets the checkpoint move over it.</summary>
    internal void Acknowledge(DeliveryBatch batch)
    {
        lock (_gate)
        {
            if (!_stopped && _tracker.Acknowledge(new PlannedBatch(batch.Source.First, batch.Source.Last)))
            {
                SignalPendingShrankLocked();
            }
        }
    }

    internal void Completed(DeliveryWork work)
    {
        lock (_gate)
        {
            _inFlight.Remove(work);
        }

        work.Completion.TrySetResult();
    }

    /// <summary>
    /// Writes the shard's current checkpoint and planned batches to the lease, unless that state is already written.
    /// Calls coalesce: one write covers every change made before it started. Throws <see cref="LeaseLostException"/>
    /// once the lease is gone; no write is ever made after that.
    /// </summary>
    internal async Task PersistAsync(CancellationToken cancellationToken)
    {
        await _persistLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            TimeSpan delay = _pipeline.Settings.InitialRetryDelay;
            while (true)
            {
                long version;
                ShardPosition? checkpoint;
                IReadOnlyList<PlannedBatch> pending;
                lock (_gate)
                {
                    ThrowIfLost();
                    version = _tracker.Version;
                    if (version == _persistedVersion)
                    {
                        return;
                    }

                    checkpoint = _tracker.Checkpoint;

                    // The previous owner's cut points not reached yet stay in the lease too: dropping them would let a
                    // third owner cut those records differently and write them into a second object.
                    pending = [.. _tracker.PendingBatches(), .. _buffer.PlannedCuts];
                }

                try
                {
                    await _checkpointer.PersistAsync(checkpoint, pending, cancellationToken).ConfigureAwait(false);
                    _persistedVersion = version;
                    Log.ShardCheckpointed(_pipeline.Logger, _pipeline.Name, ShardId, checkpoint, pending.Count);
                    return;
                }
                catch (LeaseLostException)
                {
                    Abandon();
                    throw;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // Includes a client timeout, which .NET reports as a cancellation that is not ours.
                    Log.CheckpointPersistFailed(_pipeline.Logger, ex, _pipeline.Name, ShardId, delay);
                    await Task.Delay(delay, _pipeline.TimeProvider, cancellationToken).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _pipeline.Settings.MaxRetryDelay.Ticks));
                }
            }
        }
        finally
        {
            _persistLock.Release();
        }
    }

    /// <summary>
    /// Waits while the shard has its limit of batches after its checkpoint (<see cref="PipelineSettings.MaxPendingBatchesPerShard"/>):
    /// they all go into the lease item with every checkpoint, which must stay small enough to be written.
    /// </summary>
    private async ValueTask WaitForPendingRoomAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task shrank;
            lock (_gate)
            {
                ThrowIfLost();
                if (_tracker.InFlightCount < _pipeline.Settings.MaxPendingBatchesPerShard)
                {
                    return;
                }

                _pendingShrank ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                shrank = _pendingShrank.Task;
            }

            await shrank.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void SignalPendingShrankLocked()
    {
        _pendingShrank?.TrySetResult();
        _pendingShrank = null;
    }

    private async Task AcquireBudgetAsync(long bytes, CancellationToken cancellationToken)
    {
        if (_pipeline.Budget.TryAcquire(bytes))
        {
            return;
        }

        bool replaying;
        lock (_gate)
        {
            replaying = _buffer.IsReplayingPlannedCuts;
        }

        if (replaying)
        {
            // This buffer can only be cut at the previous owner's point; waiting for bytes that only that cut would
            // give back could never end.
            _pipeline.Budget.ForceAcquire(bytes);
            return;
        }

        // Out of budget: send what this shard holds on its way now instead of at its interval, then wait for
        // deliveries to give bytes back. Reading slows down; nothing is dropped.
        await CutNowAsync(cancellationToken).ConfigureAwait(false);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _leaseLost.Token);
        try
        {
            await _pipeline.Budget.AcquireAsync(bytes, waiting.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_leaseLost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new LeaseLostException($"The lease of shard {ShardId} was lost.");
        }
    }

    private async Task CutNowAsync(CancellationToken cancellationToken)
    {
        DeliveryWork? work = null;
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            if (_buffer.TryCutNow() is { } batch)
            {
                work = StartDeliveryLocked(batch);
            }

            DisposeTimerLocked();
            ArmOrDisarmIntervalTimerLocked();
        }

        if (work is not null)
        {
            await EnqueueAllAsync([work], cancellationToken).ConfigureAwait(false);
        }

        if (_pipeline.IsWorkerScope)
        {
            await _pipeline.CutWorkerBufferAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Registers a cut batch with the tracker and as in flight, in one step, so a drain cannot miss it.</summary>
    private DeliveryWork StartDeliveryLocked(DeliveryBatch batch)
    {
        _tracker.Register(new PlannedBatch(batch.Source.First, batch.Source.Last));
        batch.ChargeTo(_pipeline.Budget);
        var work = new DeliveryWork(this, batch);
        _inFlight.Add(work);
        return work;
    }

    /// <summary>
    /// Hands cut batches to the delivery queue, waiting while it is full. A hard stop, a lost lease or the caller's token
    /// (the reader stopping for a shutdown or a handoff, a drain's deadline) interrupts the wait: with the destination
    /// down the queue stays full, and a stop or handoff must still end on time. What was not handed on is given up: its
    /// records stay un-checkpointed, their cut planned in the lease, to be read again.
    /// </summary>
    private async Task EnqueueAllAsync(List<DeliveryWork> works, CancellationToken cancellationToken)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(_pipeline.Stopping, _leaseLost.Token, cancellationToken);
        for (int i = 0; i < works.Count; i++)
        {
            try
            {
                await _pipeline.EnqueueAsync(works[i], cancellation.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
            {
                // Never handed on: their bytes go back and their records stay un-checkpointed, to be read again.
                foreach (DeliveryWork abandoned in works.Skip(i))
                {
                    if (abandoned.TryGiveUp())
                    {
                        abandoned.Batch.Release();
                        Completed(abandoned);
                    }
                }

                ThrowIfLost();
                throw;
            }
        }
    }

    private void Stop(bool leaseLost)
    {
        int droppedRecords;
        long droppedBytes;
        long released;
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            DisposeTimerLocked();
            SignalPendingShrankLocked();
            droppedRecords = _buffer.Count;
            droppedBytes = _buffer.Bytes;
            _buffer.Discard();
            released = _reserved;
            _reserved = 0;
        }

        _pipeline.Budget.Release(released);
        if (_pipeline.IsWorkerScope)
        {
            _pipeline.DiscardFromWorkerBuffer(ShardId);
        }

        GiveUpQueuedWorks();
        if (leaseLost || droppedRecords > 0)
        {
            Log.ShardLeaseLost(_pipeline.Logger, _pipeline.Name, ShardId, droppedRecords, droppedBytes);
        }

        _leaseLost.Cancel();
    }

    /// <summary>
    /// Completes the works of this session that no delivery loop has taken yet: the session has stopped, so they would
    /// only be cancelled once a loop reached them, which behind another shard's slow write may take a long time.
    /// </summary>
    private void GiveUpQueuedWorks()
    {
        DeliveryWork[] queued;
        lock (_gate)
        {
            queued = [.. _inFlight];
        }

        foreach (DeliveryWork work in queued)
        {
            if (work.TryGiveUp())
            {
                work.Batch.Release();
                Completed(work);
            }
        }
    }

    private void ArmOrDisarmIntervalTimerLocked()
    {
        if (_buffer.IsEmpty || _pipeline.Settings.Buffering.IntervalInSeconds == 0)
        {
            DisposeTimerLocked();
        }
        else if (_intervalTimer is null)
        {
            long generation = ++_timerGeneration;
            _intervalTimer = _pipeline.TimeProvider.CreateTimer(
                static state =>
                {
                    var (session, generation) = ((ShardSession, long))state!;
                    session.OnIntervalElapsed(generation);
                },
                (this, generation),
                _pipeline.Settings.Buffering.Interval,
                Timeout.InfiniteTimeSpan);
        }
    }

    private void OnIntervalElapsed(long generation)
    {
        lock (_gate)
        {
            // A callback of a timer that was replaced meanwhile must not touch its successor.
            if (generation != _timerGeneration)
            {
                return;
            }

            DisposeTimerLocked();
        }

        _ = CutInBackgroundAsync();
    }

    private void DisposeTimerLocked()
    {
        _intervalTimer?.Dispose();
        _intervalTimer = null;
        _timerGeneration++;
    }

    private void ThrowIfLost()
    {
        if (_stopped)
        {
            throw new LeaseLostException($"The lease of shard {ShardId} was lost.");
        }
    }
}
