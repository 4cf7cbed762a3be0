using Delivery.Kinesis.Client;
using Delivery.Kinesis.Leases;
using Microsoft.Extensions.Logging;

namespace Delivery.Kinesis.Reading;

/// <summary>
/// Runs one leased shard through its states: open a session in the pipeline, read until stopped, asked to hand over or
/// the shard ends, drain, checkpoint (SHARD_END for a closed shard), then release the lease or hand it over. A lost lease
/// stops it at once, with no drain.
/// </summary>
internal sealed class ShardConsumer
{
    private readonly Lease _lease;
    private readonly ShardConsumerContext _context;
    private readonly ShardReader _reader;
    private readonly CancellationTokenSource _stopReading = new();
    // Fires when a stop was requested and its grace period ran out; a closed shard's own drain obeys it too.
    private readonly CancellationTokenSource _drainDeadline = new();
    private IShardSession? _session;
    private volatile bool _leaseLost;
    private string? _handoffTo;
    private CancellationTokenSource? _handoffDeadline;

    public ShardConsumer(Lease lease, ShardConsumerContext context)
    {
        _lease = lease;
        _context = context;
        _reader = new ShardReader(context.Kinesis, lease.LeaseKey, context.Options, context.TimeProvider, context.Logger, context.Telemetry);
        Completion = Task.CompletedTask;
    }

    public string ShardId => _lease.LeaseKey;

    public ShardConsumerState State { get; private set; } = ShardConsumerState.Initializing;

    public long? MillisBehindLatest => _reader.MillisBehindLatest;

    /// <summary>True once the consumer gives its lease up by itself (release or SHARD_END); renewals stop then.</summary>
    public bool IsLettingGo { get; private set; }

    /// <summary>Completes when the consumer reaches a final state; faults only on a permanent error.</summary>
    public Task Completion { get; private set; }

    public void Start() => Completion = Task.Run(RunAsync);

    /// <summary>Stops reading; what was read is delivered and checkpointed until <paramref name="drainDeadline"/>.</summary>
    public void RequestStop(CancellationToken drainDeadline)
    {
        drainDeadline.Register(static state => ((CancellationTokenSource)state!).Cancel(), _drainDeadline);
        _stopReading.Cancel();
    }

    /// <summary>
    /// Another worker asked for the lease (balancing): stop reading, deliver and checkpoint what was read within the
    /// handoff timeout, then make the requester the owner. The shard is never read by both workers at once.
    /// </summary>
    public void RequestHandoff(string newOwner)
    {
        if (Interlocked.CompareExchange(ref _handoffTo, newOwner, null) is not null || _stopReading.IsCancellationRequested)
        {
            return;
        }

        _handoffDeadline = new CancellationTokenSource(_context.Options.Leases.HandoffTimeout, _context.TimeProvider);
        _handoffDeadline.Token.Register(static state => ((CancellationTokenSource)state!).Cancel(), _drainDeadline);
        _stopReading.Cancel();
    }

    /// <summary>The lease is gone: stop at once, drop buffered records, never write for this shard again.</summary>
    public void OnLeaseLost()
    {
        _leaseLost = true;
        _session?.Abandon();
        _stopReading.Cancel();
    }

    private async Task RunAsync()
    {
        using IDisposable? scope = Log.ShardScope(_context.Logger, ShardId);
        try
        {
            await RunInScopeAsync().ConfigureAwait(false);
        }
        finally
        {
            _context.Telemetry?.ShardStopped(ShardId);
        }
    }

    private async Task RunInScopeAsync()
    {
        IShardSession session = _context.Sink.OpenShard(
            new ShardSessionStart(_context.Options.StreamName, ShardId, _lease.Checkpoint.Position, _lease.PendingBatches),
            new LeaseCheckpointer(_context.Store, _lease));
        _session = session;
        try
        {
            if (_leaseLost)
            {
                session.Abandon();
            }

            bool shardEnded = false;
            using (var reading = CancellationTokenSource.CreateLinkedTokenSource(_stopReading.Token, session.LeaseLost))
            {
                State = ShardConsumerState.Reading;
                Log.ReadingStarted(_context.Logger, _context.WorkerId, ShardId, _lease.Tenure);
                try
                {
                    shardEnded = await _reader.ReadAsync(
                        _lease,
                        session,
                        start => _context.Store.UpdateStartingSequenceNumberAsync(_lease, start.SequenceNumber, reading.Token),
                        reading.Token,
                        opened => _context.Store.UpdateStartingTimestampAsync(_lease, opened, reading.Token)).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (reading.IsCancellationRequested)
                {
                }
                catch (LeaseLostException)
                {
                }
                catch (Exception)
                {
                    // The coordinator decides whether this stops the worker or only this shard for a round.
                    State = ShardConsumerState.Failed;
                    session.Abandon();
                    throw;
                }
                finally
                {
                    Log.ReadingStopped(_context.Logger, _context.WorkerId, ShardId, _lease.Tenure);
                }
            }

            if (_leaseLost || session.LeaseLost.IsCancellationRequested)
            {
                ThrowIfFailed(session);
                State = ShardConsumerState.LeaseLost;
                return;
            }

            State = ShardConsumerState.Draining;
            ShardPosition? checkpoint;
            try
            {
                checkpoint = await session.DrainAsync(_drainDeadline.Token).ConfigureAwait(false);
            }
            catch (LeaseLostException)
            {
                ThrowIfFailed(session);
                State = ShardConsumerState.LeaseLost;
                return;
            }
            catch (OperationCanceledException)
            {
                Log.DrainIncomplete(_context.Logger, ShardId);
                checkpoint = null;
                shardEnded = false;

                // Cancel what is still being delivered before letting go, so no write of this tenure races the next
                // owner's; the next owner cuts those batches again at the points recorded in the lease.
                await session.DisposeAsync().ConfigureAwait(false);
            }

            IsLettingGo = true;

            // SHARD_END says every record of the shard is delivered: only true when the checkpoint reached the last
            // record read. Otherwise the lease keeps its checkpoint and the rest is read again.
            if (shardEnded && checkpoint == (_reader.LastRead ?? _lease.Checkpoint.Position))
            {
                await _context.Store.UpdateCheckpointAsync(_lease, LeaseCheckpoint.ShardEnd, [], CancellationToken.None).ConfigureAwait(false);
                IReadOnlyList<string> children = await EnsureChildLeasesAsync().ConfigureAwait(false);
                Leases.Log.ShardEnded(_context.Logger, ShardId, string.Join(',', children));
            }
            else
            {
                shardEnded = false;
            }

            if (!shardEnded && Volatile.Read(ref _handoffTo) is { } newOwner && await HandOffAsync(newOwner, checkpoint).ConfigureAwait(false))
            {
                State = ShardConsumerState.HandedOver;
                return;
            }

            await ReleaseAsync().ConfigureAwait(false);
            State = shardEnded ? ShardConsumerState.ShardEnded : ShardConsumerState.Released;
        }
        catch (LeaseLostException)
        {
            ThrowIfFailed(session);
            State = ShardConsumerState.LeaseLost;
        }
        finally
        {
            await session.DisposeAsync().ConfigureAwait(false);
            _handoffDeadline?.Dispose();
        }
    }

    /// <summary>
    /// A session that stopped by itself (a batch it could not deliver) is a failure of this shard, not a lost lease: the
    /// consumer faults, so the coordinator tries the shard again after a backoff and reports it.
    /// </summary>
    private void ThrowIfFailed(IShardSession session)
    {
        if (session.Failure is { } failure)
        {
            State = ShardConsumerState.Failed;
            throw new DeliveryException(FailureKind.Retryable, "Pipeline.BatchAbandoned",
                $"Shard {ShardId}: a batch could not be delivered and was given up ({failure.GetType().Name}: {failure.Message})", failure);
        }
    }

    /// <summary>Best effort: the periodic shard sync creates any child lease this misses.</summary>
    private async Task<IReadOnlyList<string>> EnsureChildLeasesAsync()
    {
        try
        {
            return await _context.Syncer.EnsureChildLeasesAsync(_lease, _reader.ChildShards, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not LeaseLostException)
        {
            Log.ChildLeasesDeferred(_context.Logger, ex, ShardId);
            return [];
        }
    }

    /// <summary>Makes the worker that asked for the lease its owner; false when that did not happen (it is released then).</summary>
    private async Task<bool> HandOffAsync(string newOwner, ShardPosition? checkpoint)
    {
        try
        {
            if (await _context.Store.HandOffLeaseAsync(_lease, newOwner, CancellationToken.None).ConfigureAwait(false))
            {
                Leases.Log.LeaseHandedOver(_context.Logger, _context.WorkerId, ShardId, newOwner, checkpoint is { } position ? LeaseCheckpoint.FromPosition(position) : _lease.Checkpoint);
                return true;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Leases.Log.LeaseReleaseFailed(_context.Logger, ex, _context.WorkerId, ShardId);
        }

        return false;
    }

    private async Task ReleaseAsync()
    {
        try
        {
            if (await _context.Store.ReleaseLeaseAsync(_lease, CancellationToken.None).ConfigureAwait(false))
            {
                Lease? released = await _context.Store.GetLeaseAsync(ShardId, CancellationToken.None).ConfigureAwait(false);
                Leases.Log.LeaseReleased(_context.Logger, _context.WorkerId, ShardId, released?.Checkpoint ?? _lease.Checkpoint);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Releasing is a courtesy that speeds up the hand-over; an unreleased lease simply expires.
            Leases.Log.LeaseReleaseFailed(_context.Logger, ex, _context.WorkerId, ShardId);
        }
    }
}
