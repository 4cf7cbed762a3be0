using System.Collections.Concurrent;
using System.Threading.Channels;
using Delivery.Pages;
using Delivery.Pipeline.Buffering;
using Delivery.Plans;

namespace Delivery.Pipeline;

/// <summary>
/// Worker-scope buffering (decision 0014): one buffer for every shard this worker holds, cut into plans that are fenced
/// in each shard's lease, committed in the plan ledger, written, and marked written; and the completion of committed
/// plans that a previous owner did not finish.
/// </summary>
public sealed partial class DeliveryPipeline
{
    // Firehose's own cap on active partitions; beyond it the memory budget decides anyway.
    private const double MaxPartitionScale = 500;

    private readonly Lock _workerGate = new();
    // One completion per plan in this worker; Lazy so that two sessions finding the plan at once start one, not two.
    private readonly ConcurrentDictionary<string, Lazy<Task>> _completions = new(StringComparer.Ordinal);
    private WorkerBuffer? _workerBuffer;

    // Data of a plan over its largest partition's, as last written: the worker buffer is cut when its largest partition
    // is expected to reach the size hint, as Firehose's per-partition buffers are. 1 without partitioning; with it, and
    // before a plan has shown how the data divides, as large as memory allows (the interval cuts first, not a size
    // reached by all partitions together).
    private double _partitionScale = double.PositiveInfinity;
    private ITimer? _workerTimer;
    private long _workerTimerGeneration;

    /// <summary>The plan ledger and range reader; null when the source provides none (plans are then refused).</summary>
    internal PlanServices? Plans { get; }

    internal bool IsWorkerScope => Settings.Buffering.Scope == BufferingScope.Worker;

    /// <summary>Records of the worker buffer held for <paramref name="shardId"/>.</summary>
    internal (int Count, long Bytes) WorkerBuffered(string shardId)
    {
        lock (_workerGate)
        {
            return _workerBuffer?.Of(shardId) ?? (0, 0);
        }
    }

    /// <summary>
    /// Appends a session's records to the worker buffer and sends the buffer on its way when it reaches its size (or at
    /// once with a zero interval). Throws <see cref="LeaseLostException"/> when the session has stopped: its records must
    /// not enter a plan.
    /// </summary>
    internal async ValueTask AppendToWorkerBufferAsync(ShardSession session, RecordPage page, int start, int count, string streamName, CancellationToken cancellationToken)
    {
        DeliveryWork? work = null;
        lock (_workerGate)
        {
            if (session.IsStopped)
            {
                throw new LeaseLostException($"The lease of shard {session.ShardId} was lost.");
            }

            _workerBuffer ??= new WorkerBuffer(Name, streamName);
            _workerBuffer.Append(session.ShardId, page, start, count, TimeProvider.GetTimestamp());
            if (_workerBuffer.Bytes >= WorkerCutBytes || Settings.Buffering.IntervalInSeconds == 0)
            {
                work = CutWorkerBufferLocked();
            }

            ArmWorkerTimerLocked();
        }

        if (work is not null)
        {
            await EnqueuePlanAsync(work, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Where the worker buffer is cut by size: the size hint, times how many times the last plan's data exceeded its
    /// largest partition's (with dynamic partitioning), within half the memory budget.
    /// </summary>
    internal long WorkerCutBytes
    {
        get
        {
            long size = Settings.Buffering.SizeInBytes;
            if (!Settings.PartitionsObjects)
            {
                return size;
            }

            // Never more than half the memory budget: beyond it readers would wait, and every cut would be by pressure.
            double scaled = size * Volatile.Read(ref _partitionScale);
            return Math.Max(size, (long)Math.Min(scaled, Budget.CapacityBytes / 2.0));
        }
    }

    /// <summary>Learns from a written plan how its data divided into partitions (see <see cref="WorkerCutBytes"/>).</summary>
    private void LearnPartitionScale(BatchWriteResult result)
    {
        if (result.Partitions is { LargestBytes: > 0 } sizes)
        {
            Volatile.Write(ref _partitionScale, Math.Clamp((double)sizes.TotalBytes / sizes.LargestBytes, 1, MaxPartitionScale));
        }
    }

    /// <summary>Cuts the worker buffer now (memory pressure, drain) and hands the plan to delivery.</summary>
    internal Task CutWorkerBufferAsync(CancellationToken cancellationToken) => CutWorkerBufferAsync(whenDue: false, cancellationToken);

    /// <summary>
    /// Cuts the worker buffer and hands the plan to delivery; with <paramref name="whenDue"/> (the interval timer) only
    /// if its oldest record has waited the interval, and otherwise sets the timer for the rest of that record's wait.
    /// </summary>
    private async Task CutWorkerBufferAsync(bool whenDue, CancellationToken cancellationToken)
    {
        DeliveryWork? work = null;
        lock (_workerGate)
        {
            // Asked here, under the lock, not when the timer fired: a size cut may have emptied the buffer since, and
            // records entered since have their whole interval to wait; a shard may have left, and the records that
            // started the interval with it.
            if (!whenDue || WorkerIntervalLeftLocked() <= TimeSpan.Zero)
            {
                work = CutWorkerBufferLocked();
            }
            else
            {
                DisposeWorkerTimerLocked();
            }

            ArmWorkerTimerLocked();
        }

        if (work is not null)
        {
            await EnqueuePlanAsync(work, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Drops what the worker buffer holds of a stopped session's shard.</summary>
    internal void DiscardFromWorkerBuffer(string shardId)
    {
        lock (_workerGate)
        {
            _workerBuffer?.Discard(shardId);
            ArmWorkerTimerLocked();
        }
    }

    /// <summary>
    /// What the ledger says of a plan a lease names, resolving an absent plan to aborted by putting its tombstone: after
    /// this, that plan can never be committed (decision 0014).
    /// </summary>
    internal async Task<PlanEntry> ResolvePlanAsync(string planId, CancellationToken cancellationToken)
    {
        PlanServices plans = Plans ?? throw new InvalidOperationException($"Pipeline {Name}: a lease names plan {planId}, but no plan ledger is configured.");
        PlanEntry entry = await plans.Ledger.GetAsync(planId, cancellationToken).ConfigureAwait(false);
        if (entry.State == PlanState.Absent)
        {
            entry = await plans.Ledger.AbortAsync(planId, cancellationToken).ConfigureAwait(false);
            Log.PlanResolvedAbsent(Logger, Name, planId, entry.State);
        }

        return entry;
    }

    /// <summary>
    /// Completes a committed plan a previous owner did not finish, once per plan in this worker: reads its ranges from
    /// the stream, writes the same batch to the same keys and marks it written. The task ends when the plan is written.
    /// </summary>
    internal Task WhenPlanWrittenAsync(PlanEntry entry)
    {
        Lazy<Task> completion = _completions.GetOrAdd(entry.PlanId, _ => new Lazy<Task>(() => Task.Run(() => CompletePlanAsync(entry))));
        if (completion.Value is { IsFaulted: false, IsCanceled: false } running)
        {
            return running;
        }

        // A completion that failed is tried again by whoever asks next (a session that starts again after the failure),
        // not remembered as failed forever.
        _completions.TryRemove(new KeyValuePair<string, Lazy<Task>>(entry.PlanId, completion));
        return completion.Value;
    }

    private DeliveryWork? CutWorkerBufferLocked()
    {
        DisposeWorkerTimerLocked();
        if (_workerBuffer is null)
        {
            return null;
        }

        foreach (string shardId in _workerBuffer.Shards)
        {
            // A session stops before its records leave this buffer (they wait for this lock). Cut into the plan, they
            // would fail its fence and abort it, and every other shard's piece would become a small object of its own.
            // They are dropped here instead, as the stop would drop them: the next owner reads them again.
            if (!_sessionsByShard.TryGetValue(shardId, out ShardSession? owner) || owner.IsStopped)
            {
                _workerBuffer.Discard(shardId);
            }
        }

        if (_workerBuffer.TryCut() is not { } batch)
        {
            return null;
        }

        BatchPlan plan = batch.Plan!;
        var pieces = new List<PlanPiece>(plan.Ranges.Count);
        foreach (BatchSource range in plan.Ranges)
        {
            // A session that stops between the check above and here still gets its piece: the plan's fence then fails
            // for that shard, and the plan is aborted rather than written (the window any lease lost after a cut has).
            ShardSession session = _sessionsByShard[range.ShardId];
            pieces.Add(new PlanPiece(session, plan.PieceOf(range)));
        }

        var work = new DeliveryWork(batch, pieces);
        batch.ChargeTo(Budget);
        foreach (PlanPiece piece in pieces)
        {
            piece.Session.RegisterPlanPiece(work, piece.Piece);
        }

        return work;
    }

    private async Task EnqueuePlanAsync(DeliveryWork work, CancellationToken cancellationToken)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Stopping, cancellationToken);
        try
        {
            await EnqueueAsync(work, cancellation.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!Stopping.IsCancellationRequested)
        {
            // Only the caller stops waiting (its reader stops, a drain's deadline passed). The plan holds other shards'
            // pieces, registered in their checkpoints, whose readers go on: it still goes out, behind the full queue.
            _ = EnqueuePlanInBackgroundAsync(work);
            throw;
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            GiveUpPlan(work);
            throw;
        }
    }

    private async Task EnqueuePlanInBackgroundAsync(DeliveryWork work)
    {
        try
        {
            await EnqueueAsync(work, Stopping).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            GiveUpPlan(work);
        }
    }

    // Shutting down, never handed on: nothing was fenced or committed, so the pieces stay planned (or unplanned) and are
    // read again.
    private static void GiveUpPlan(DeliveryWork work)
    {
        if (work.TryStart())
        {
            work.Batch.Release();
            work.CompleteInSessions();
        }
    }

    private void ArmWorkerTimerLocked()
    {
        if (_workerBuffer is null || _workerBuffer.IsEmpty || Settings.Buffering.IntervalInSeconds == 0)
        {
            DisposeWorkerTimerLocked();
            return;
        }

        if (_workerTimer is not null)
        {
            return;
        }

        // Never zero: a fake clock fires a timer that is due at once inside CreateTimer, under this lock.
        TimeSpan due = WorkerIntervalLeftLocked();
        due = due > TimeSpan.Zero ? due : TimeSpan.FromMilliseconds(1);
        long generation = ++_workerTimerGeneration;
        _workerTimer = TimeProvider.CreateTimer(
            static state =>
            {
                var (pipeline, generation) = ((DeliveryPipeline, long))state!;
                pipeline.OnWorkerIntervalElapsed(generation);
            },
            (this, generation),
            due,
            Timeout.InfiniteTimeSpan);
    }

    // The interval bounds each record's wait, as in Firehose: it runs from when the oldest record in the buffer entered.
    private TimeSpan WorkerIntervalLeftLocked() =>
        _workerBuffer is null || _workerBuffer.IsEmpty
            ? Settings.Buffering.Interval
            : Settings.Buffering.Interval - TimeProvider.GetElapsedTime(_workerBuffer.OldestEntry);

    private void OnWorkerIntervalElapsed(long generation)
    {
        lock (_workerGate)
        {
            if (generation != _workerTimerGeneration)
            {
                return;
            }
        }

        _ = CutWorkerBufferInBackgroundAsync(whenDue: true);
    }

    private async Task CutWorkerBufferInBackgroundAsync(bool whenDue = false)
    {
        try
        {
            await CutWorkerBufferAsync(whenDue, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            // Shutting down: what was cut is read again by the next owner.
        }
    }

    private void DisposeWorkerTimerLocked()
    {
        _workerTimer?.Dispose();
        _workerTimer = null;
        _workerTimerGeneration++;
    }
}
