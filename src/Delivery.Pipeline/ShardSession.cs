using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Checkpointing;
using Microsoft.Extensions.Logging;

namespace Delivery.Pipeline;

/// <summary>
/// One leased shard inside a pipeline: its buffer, its interval timer, the batches it has in flight and its checkpoint.
/// Batches are cut here in shard order, delivered by the pipeline's delivery loops, and acknowledged back here; the
/// checkpoint written to the lease covers only what is delivered (see <see cref="CheckpointTracker"/>).
/// </summary>
internal sealed class ShardSession : IShardSession
{
    private readonly DeliveryPipeline _pipeline;
    private readonly IShardCheckpointer _checkpointer;
    private readonly ShardBuffer _buffer;
    private readonly CheckpointTracker _tracker;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _persistLock = new(1, 1);
    private readonly CancellationTokenSource _leaseLost = new();
    private readonly HashSet<DeliveryWork> _inFlight = [];
    private ShardPosition? _lastAppended;
    private ITimer? _intervalTimer;
    private long _persistedVersion;
    private bool _abandoned;

    public ShardSession(DeliveryPipeline pipeline, ShardSessionStart start, IShardCheckpointer checkpointer)
    {
        _pipeline = pipeline;
        _checkpointer = checkpointer;
        ShardId = start.ShardId;
        _buffer = new ShardBuffer(pipeline.Name, start.StreamName, start.ShardId, pipeline.Settings.Buffering.SizeInBytes, start.PendingBatches);
        _tracker = new CheckpointTracker(start.Checkpoint);
        _lastAppended = start.Checkpoint;

        // What the lease holds now is what was persisted: nothing to write until the state changes.
        _persistedVersion = _tracker.Version;
    }

    public string ShardId { get; }

    public CancellationToken LeaseLost => _leaseLost.Token;

    public async ValueTask AppendAsync(RecordPage page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        ThrowIfLost();
        if (page.Records.Count == 0)
        {
            return;
        }

        if (!_pipeline.Budget.TryAcquire(page.DataBytes))
        {
            // Out of memory budget: send what this shard holds on its way now instead of at its interval, then wait
            // for deliveries to give bytes back. Reading slows down; nothing is dropped.
            await CutNowAsync(cancellationToken).ConfigureAwait(false);
            using var waitCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _leaseLost.Token);
            try
            {
                await _pipeline.Budget.AcquireAsync(page.DataBytes, waitCancellation.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_leaseLost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new LeaseLostException($"The lease of shard {ShardId} was lost.");
            }
        }

        var cuts = new List<DeliveryBatch>();
        long skippedBytes = 0;
        lock (_gate)
        {
            if (_abandoned)
            {
                _pipeline.Budget.Release(page.DataBytes);
                throw new LeaseLostException($"The lease of shard {ShardId} was lost.");
            }

            foreach (SourceRecord record in page.Records)
            {
                // A re-read after an expired iterator or a replay may overlap what this session already holds.
                if (_lastAppended is { } last && record.Position <= last)
                {
                    skippedBytes += record.Data.Length;
                    continue;
                }

                _buffer.Append(record, cuts);
                _lastAppended = record.Position;
            }

            if (_pipeline.Settings.Buffering.IntervalInSeconds == 0 && _buffer.TryCutNow() is { } immediate)
            {
                cuts.Add(immediate);
            }

            foreach (DeliveryBatch cut in cuts)
            {
                _tracker.Register(new PlannedBatch(cut.Source.First, cut.Source.Last));
            }

            ArmOrDisarmIntervalTimer();
        }

        if (skippedBytes > 0)
        {
            _pipeline.Budget.Release(skippedBytes);
        }

        foreach (DeliveryBatch cut in cuts)
        {
            await EnqueueAsync(cut, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<ShardPosition?> DrainAsync(CancellationToken cancellationToken)
    {
        ThrowIfLost();
        DeliveryBatch? last;
        Task[] inFlight;
        lock (_gate)
        {
            DisposeTimer();
            last = _buffer.TryCutNow();
            if (last is not null)
            {
                _tracker.Register(new PlannedBatch(last.Source.First, last.Source.Last));
            }
            else if (!_buffer.IsEmpty)
            {
                Log.ShardDrainLeftRecords(_pipeline.Logger, _pipeline.Name, ShardId, _buffer.Count);
                _pipeline.Budget.Release(_buffer.Discard());
            }
        }

        if (last is not null)
        {
            await EnqueueAsync(last, cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            inFlight = [.. _inFlight.Select(work => work.Completion.Task)];
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

    public ValueTask DisposeAsync()
    {
        // A session disposed without a drain gives its buffered bytes back; what was buffered is re-read later.
        Stop(leaseLost: false);
        _leaseLost.Dispose();
        _persistLock.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Stop(bool leaseLost)
    {
        int droppedRecords;
        long droppedBytes;
        lock (_gate)
        {
            if (_abandoned)
            {
                return;
            }

            _abandoned = true;
            DisposeTimer();
            droppedRecords = _buffer.Count;
            droppedBytes = _buffer.Discard();
        }

        _pipeline.Budget.Release(droppedBytes);
        if (leaseLost || droppedRecords > 0)
        {
            Log.ShardLeaseLost(_pipeline.Logger, _pipeline.Name, ShardId, droppedRecords, droppedBytes);
        }

        _leaseLost.Cancel();
    }

    /// <summary>Marks a delivered batch and lets the checkpoint move over it.</summary>
    internal void Acknowledge(DeliveryBatch batch)
    {
        lock (_gate)
        {
            if (!_abandoned)
            {
                _tracker.Acknowledge(new PlannedBatch(batch.Source.First, batch.Source.Last));
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
                    pending = _tracker.PendingBatches();
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
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
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

    private async Task CutNowAsync(CancellationToken cancellationToken)
    {
        DeliveryBatch? batch;
        lock (_gate)
        {
            if (_abandoned)
            {
                return;
            }

            batch = _buffer.TryCutNow();
            if (batch is not null)
            {
                _tracker.Register(new PlannedBatch(batch.Source.First, batch.Source.Last));
            }

            ArmOrDisarmIntervalTimer();
        }

        if (batch is not null)
        {
            await EnqueueAsync(batch, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask EnqueueAsync(DeliveryBatch batch, CancellationToken cancellationToken)
    {
        var work = new DeliveryWork(this, batch);
        lock (_gate)
        {
            _inFlight.Add(work);
        }

        try
        {
            await _pipeline.EnqueueAsync(work, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Never handed on: its bytes go back and the records stay un-checkpointed, to be read again.
            _pipeline.Budget.Release(batch.DataBytes);
            Completed(work);
            throw;
        }
    }

    private void ArmOrDisarmIntervalTimer()
    {
        if (_buffer.IsEmpty || _pipeline.Settings.Buffering.IntervalInSeconds == 0)
        {
            DisposeTimer();
        }
        else
        {
            _intervalTimer ??= _pipeline.TimeProvider.CreateTimer(
                static state => ((ShardSession)state!).OnIntervalElapsed(),
                this,
                _pipeline.Settings.Buffering.Interval,
                Timeout.InfiniteTimeSpan);
        }
    }

    private void OnIntervalElapsed()
    {
        lock (_gate)
        {
            DisposeTimer();
        }

        _ = CutOnIntervalAsync();
    }

    private async Task CutOnIntervalAsync()
    {
        try
        {
            await CutNowAsync(_pipeline.Stopping).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Threading.Channels.ChannelClosedException or LeaseLostException)
        {
            // Shutting down or lease lost: drain (or the next owner) takes care of what is buffered.
        }
    }

    private void DisposeTimer()
    {
        _intervalTimer?.Dispose();
        _intervalTimer = null;
    }

    private void ThrowIfLost()
    {
        if (_abandoned)
        {
            throw new LeaseLostException($"The lease of shard {ShardId} was lost.");
        }
    }
}
