using Delivery.Pipeline.Buffering;
using Delivery.Plans;

namespace Delivery.Pipeline;

/// <summary>
/// A session's part in worker-scope plans (decision 0014): resolving the plans its lease names when it starts, passing
/// over ranges that are in plans' objects, and holding the pieces of plans this worker cut until they are written.
/// </summary>
internal sealed partial class ShardSession
{
    private readonly SemaphoreSlim _resolveLock = new(1, 1);

    // Pieces of the lease that name a plan the ledger has not been asked about yet; empty once resolved.
    private PlannedBatch[] _unresolved;

    // Waits for committed plans a previous owner did not finish, each ending once its piece is acknowledged.
    private readonly List<Task> _planWaits = [];

    /// <summary>True once the session has stopped (lease lost, failed or disposed).</summary>
    internal bool IsStopped
    {
        get
        {
            lock (_gate)
            {
                return _stopped;
            }
        }
    }

    /// <summary>Registers a piece of a plan this worker just cut (under the pipeline's worker-buffer lock).</summary>
    internal void RegisterPlanPiece(DeliveryWork work, PlannedBatch piece)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            _tracker.Register(piece);
            _inFlight.Add(work);
        }
    }

    /// <summary>Marks a piece of a written plan delivered and lets the checkpoint move over it.</summary>
    internal void AcknowledgePiece(PlannedBatch piece)
    {
        lock (_gate)
        {
            if (!_stopped && _tracker.Acknowledge(piece))
            {
                SignalPendingShrankLocked();
            }
        }
    }

    /// <summary>Persists the checkpoint; a lost lease or a stop is no error here (the plan is written either way).</summary>
    internal async Task PersistQuietlyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await PersistAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (LeaseLostException)
        {
            // The next owner finds the plan written in the ledger.
        }
    }

    /// <summary>
    /// The plan of <paramref name="piece"/> was aborted: the piece becomes a batch of its own range. False when the
    /// session has stopped (the next owner cuts that range alone).
    /// </summary>
    internal bool ReplaceAbortedPiece(PlannedBatch piece)
    {
        lock (_gate)
        {
            return !_stopped && _tracker.Replace(piece, piece with { PlanId = null });
        }
    }

    /// <summary>A batch of one range this session holds in its tracker already; null when the session has stopped.</summary>
    internal DeliveryWork? TrackSingle(DeliveryBatch batch)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return null;
            }

            batch.ChargeTo(_pipeline.Budget);
            var work = new DeliveryWork(this, batch);
            _inFlight.Add(work);
            return work;
        }
    }

    /// <summary>
    /// Asks the ledger about every plan the lease names, once, before the first record: an absent plan is aborted
    /// (tombstone), an aborted one is cut as its range alone, a written one is passed over, a committed one is passed
    /// over and completed by this worker.
    /// </summary>
    private async ValueTask EnsurePlansResolvedAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _unresolved).Length == 0)
        {
            return;
        }

        await _resolveLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_unresolved.Length == 0)
            {
                return;
            }

            var resolved = new Dictionary<string, PlanEntry>(StringComparer.Ordinal);
            TimeSpan delay = _pipeline.Settings.InitialRetryDelay;
            foreach (PlannedBatch piece in _unresolved)
            {
                string planId = piece.PlanId!;
                while (!resolved.ContainsKey(planId))
                {
                    ThrowIfLost();
                    try
                    {
                        resolved[planId] = await _pipeline.ResolvePlanAsync(planId, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not InvalidOperationException)
                    {
                        Log.PlanLookupFailed(_pipeline.Logger, ex, _pipeline.Name, ShardId, planId, delay);
                        await Task.Delay(delay, _pipeline.TimeProvider, cancellationToken).ConfigureAwait(false);
                        delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _pipeline.Settings.MaxRetryDelay.Ticks));
                    }
                }
            }

            lock (_gate)
            {
                _buffer.ResolvePlannedCuts(piece =>
                {
                    if (piece.PlanId is null || piece.Done || !resolved.TryGetValue(piece.PlanId, out PlanEntry? entry))
                    {
                        return piece;
                    }

                    return entry.State switch
                    {
                        PlanState.Aborted => piece with { PlanId = null },
                        PlanState.Written => piece with { Done = true },
                        _ => piece,
                    };
                });
                foreach (PlanEntry entry in resolved.Values)
                {
                    if (entry.State == PlanState.Committed)
                    {
                        // Started now, not when the reader reaches the range: the plan's other shards wait for it too.
                        _ = _pipeline.WhenPlanWrittenAsync(entry);
                    }
                }

                _committedPlans = resolved.Values.Where(entry => entry.State == PlanState.Committed).ToDictionary(entry => entry.PlanId, StringComparer.Ordinal);
                Volatile.Write(ref _unresolved, []);
            }

            Log.PlansResolved(_pipeline.Logger, _pipeline.Name, ShardId, resolved.Count, resolved.Values.Count(entry => entry.State == PlanState.Committed));
        }
        finally
        {
            _resolveLock.Release();
        }
    }

    private Dictionary<string, PlanEntry> _committedPlans = new(StringComparer.Ordinal);

    /// <summary>
    /// Replays the previous owner's pieces over <paramref name="page"/> from <paramref name="start"/>; returns the
    /// first record not taken. Cut batches join <paramref name="cuts"/>; plans' ranges are registered as they pass.
    /// </summary>
    private int ReplayLocked(RecordPage page, int start, List<DeliveryWork> cuts)
    {
        var steps = new List<ReplayStep>();
        int next = _buffer.AppendReplay(page, start, steps);
        foreach (ReplayStep step in steps)
        {
            if (step.Batch is { } batch)
            {
                cuts.Add(StartDeliveryLocked(batch));
                continue;
            }

            PlannedBatch piece = step.Piece;
            _tracker.Register(piece);
            if (piece.Done)
            {
                _tracker.Acknowledge(piece);
            }
            else if (_committedPlans.TryGetValue(piece.PlanId!, out PlanEntry? entry))
            {
                _planWaits.Add(AcknowledgeWhenWrittenAsync(entry, piece));
            }
            else
            {
                throw new InvalidOperationException($"Shard {ShardId}: the lease names plan {piece.PlanId}, which was not resolved.");
            }
        }

        if (_pipeline.IsWorkerScope && _buffer.TryCutNow() is { } rest)
        {
            // The last pieces were trimmed away, so the replay ended on a record it took into this shard's buffer. It
            // goes out now: cut later, it would follow the worker buffer's plans of later records in the checkpoint.
            cuts.Add(StartDeliveryLocked(rest));
        }

        if (!_buffer.IsEmpty)
        {
            DateTimeOffset oldest = page.OldestArrival(start, next - start);
            _bufferOldestArrival = oldest < _bufferOldestArrival || _bufferOldestArrival == default ? oldest : _bufferOldestArrival;
        }

        return next;
    }

    private async Task AcknowledgeWhenWrittenAsync(PlanEntry entry, PlannedBatch piece)
    {
        try
        {
            await _pipeline.WhenPlanWrittenAsync(entry).WaitAsync(_leaseLost.Token).ConfigureAwait(false);
            AcknowledgePiece(piece);
            await PersistQuietlyAsync(_pipeline.Stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Lease lost or hard stop: the piece stays in the lease for the next owner.
        }
        catch (Exception ex)
        {
            // The plan could not be completed; this shard cannot go on past it. It starts again from its lease.
            Log.BatchAbandoned(_pipeline.Logger, ex, _pipeline.Name, entry.PlanId, ShardId);
            Fail(ex);
        }
    }
}
