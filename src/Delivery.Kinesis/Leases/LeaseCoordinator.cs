using Delivery.Kinesis.Client;
using Delivery.Kinesis.Reading;
using Delivery.Telemetry;
using Microsoft.Extensions.Logging;

namespace Delivery.Kinesis.Leases;

/// <summary>
/// Holds this worker's leases on one stream for one pipeline. Every third of the lease duration it renews what it holds
/// (stopping any shard whose lease was lost, handing over any that another worker asked for), and, on a loop of its
/// own, lists the lease table, syncs it with the stream's shards when due, and takes leases up to its fair share or
/// asks the most loaded worker for one (see <see cref="LeaseTaker"/>), starting a <see cref="ShardConsumer"/> for each.
/// </summary>
public sealed class LeaseCoordinator : IAsyncDisposable
{
    private readonly string _workerId;
    private readonly KinesisSourceOptions _options;
    private readonly IKinesisClient _kinesis;
    private readonly ILeaseStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly LeaseTaker _taker;
    private readonly ShardSyncer _syncer;
    private readonly LeaseRenewer _renewer;
    private readonly ShardConsumerContext _consumerContext;
    private readonly ShardFailures _failures;
    private readonly PipelineTelemetry? _telemetry;
    private readonly Dictionary<string, HeldLease> _held = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopTaking = new();
    private readonly CancellationTokenSource _stopRenewing = new();
    private Task _takeLoop = Task.CompletedTask;
    private Task _renewLoop = Task.CompletedTask;
    private Task _completion = Task.CompletedTask;
    private volatile bool _stopping;
    private int _disposed;
    private long _lastShardSync;
    private bool _syncDue = true;
    private long _lastTakeRoundTicks = -1;
    private long _lastRenewRoundTicks = -1;
    private long _roundsFailingSince = -1;
    private volatile string? _lastRoundError;

    public LeaseCoordinator(string workerId, KinesisSourceOptions options, IKinesisClient kinesis, ILeaseStore store, IShardRecordSink sink, TimeProvider timeProvider, ILogger<LeaseCoordinator> logger, PipelineTelemetry? telemetry = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(workerId);
        ArgumentNullException.ThrowIfNull(options);
        _workerId = workerId;
        _options = options;
        _kinesis = kinesis;
        _store = store;
        _timeProvider = timeProvider;
        _logger = logger;
        _taker = new LeaseTaker(workerId, options.Leases.LeaseDuration, timeProvider, options.Leases.HandoffTimeout);
        _syncer = new ShardSyncer(kinesis, store, options, logger);
        _consumerContext = new ShardConsumerContext(workerId, options, kinesis, store, sink, _syncer, timeProvider, logger, telemetry);
        _renewer = new LeaseRenewer(workerId, options.StreamName, store, options.Leases.LeaseDuration, timeProvider, logger);
        _failures = new ShardFailures(options.Leases.LeaseDuration / 3, timeProvider);
        _telemetry = telemetry;
    }

    public string WorkerId => _workerId;

    /// <summary>
    /// How long lease rounds may fail one after another before the coordinator stops with a permanent error (exit code 1):
    /// the worker holds no shard by then, and a process that idles while reporting itself alive is worse than one that
    /// exits where every orchestrator sees it.
    /// </summary>
    public static readonly TimeSpan MaxFailingRounds = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long consumers get, once a stop's grace period is over, to cancel their deliveries and release their leases
    /// (the host allows five seconds beyond the grace period).
    /// </summary>
    private static readonly TimeSpan LetGoTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// When the last lease round (take) completed and the last renewal round ended; null before the first. A round that
    /// failed (the table could not be listed) has not completed. Liveness reads them.
    /// </summary>
    public DateTimeOffset? LastTakeRoundAt => FromTicks(Interlocked.Read(ref _lastTakeRoundTicks));

    /// <summary>Why the last lease round failed, while rounds keep failing; null once one completes.</summary>
    public string? LastRoundError => _lastRoundError;

    /// <inheritdoc cref="LastTakeRoundAt"/>
    public DateTimeOffset? LastRenewRoundAt => FromTicks(Interlocked.Read(ref _lastRenewRoundTicks));

    /// <summary>The lease rounds' period: a third of the lease duration.</summary>
    public TimeSpan RoundInterval => _options.Leases.LeaseDuration / 3;

    /// <summary>Completes when the coordinator stops; faults when a shard stopped on a permanent error.</summary>
    public Task Completion => _completion;

    /// <summary>The shards this worker holds now and the state of each.</summary>
    public IReadOnlyDictionary<string, ShardConsumerState> HeldShards
    {
        get
        {
            lock (_gate)
            {
                return _held.ToDictionary(pair => pair.Key, pair => pair.Value.Consumer.State);
            }
        }
    }

    /// <summary>Checks the stream and the lease table, then starts the lease rounds.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _kinesis.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = _options.StreamName }, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException ex)
        {
            throw new DeliveryException(FailureKind.Permanent, "Kinesis.StreamNotFound",
                $"Kinesis stream '{_options.StreamName}' was not found: {ex.Message}", ex);
        }

        await _store.EnsureTableAsync(cancellationToken).ConfigureAwait(false);

        // Renewals run on a loop of their own so that a slow shard listing or table scan never delays them past the
        // lease duration.
        _renewLoop = Task.Run(() => RenewLoopAsync(_stopRenewing.Token), CancellationToken.None);
        _takeLoop = Task.Run(() => TakeLoopAsync(_stopTaking.Token), CancellationToken.None);
        _completion = FirstFaultOrBothAsync(_takeLoop, _renewLoop);
    }

    /// <summary>
    /// Graceful stop: takes no more leases, stops reading, lets every shard deliver and checkpoint what it read until
    /// <paramref name="gracePeriod"/> is cancelled, and releases the leases so peers take them at once. Leases are
    /// renewed while this runs.
    /// </summary>
    public async Task StopAsync(CancellationToken gracePeriod)
    {
        _stopping = true;
        await _stopTaking.CancelAsync().ConfigureAwait(false);
        await QuietlyAsync(_takeLoop).ConfigureAwait(false);
        await QuietlyAsync(WithdrawRequestsAsync(gracePeriod)).ConfigureAwait(false);

        Task[] consumers;
        lock (_gate)
        {
            foreach (HeldLease held in _held.Values)
            {
                held.Consumer.RequestStop(gracePeriod);
            }

            consumers = [.. _held.Values.Select(held => held.Consumer.Completion)];
        }

        Task all = Task.WhenAll(consumers);
        try
        {
            await all.WaitAsync(gracePeriod).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The grace period is over: each consumer now cancels what it still delivers and releases its lease. That must
            // happen before this returns, since the host disposes the lease table's client right after; otherwise peers
            // wait a whole lease duration for shards nobody reads.
            await QuietlyAsync(all.WaitAsync(LetGoTimeout, _timeProvider)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A failed shard is reported through Completion.
        }

        await _stopRenewing.CancelAsync().ConfigureAwait(false);
        await QuietlyAsync(_renewLoop).ConfigureAwait(false);
    }

    /// <summary>
    /// A stopping worker takes no lease: it withdraws its handoff requests, so owners do not drain shards to hand them to
    /// it, and releases any lease handed to it meanwhile, so peers take it in their next round rather than after expiry.
    /// </summary>
    private async Task WithdrawRequestsAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<Lease> leases = await _store.ListLeasesAsync(cancellationToken).ConfigureAwait(false);
        foreach (Lease lease in leases.Where(lease => lease.PendingOwner == _workerId))
        {
            await _store.WithdrawHandoffAsync(lease.LeaseKey, _workerId, cancellationToken).ConfigureAwait(false);
        }

        HashSet<string> running;
        lock (_gate)
        {
            running = [.. _held.Keys];
        }

        foreach (Lease lease in leases.Where(lease => lease.PendingOwner == _workerId || lease.Owner == _workerId))
        {
            // A handoff that completed before the withdrawal made this worker the owner of a lease it will not read.
            if (!running.Contains(lease.LeaseKey) && await _store.GetLeaseAsync(lease.LeaseKey, cancellationToken).ConfigureAwait(false) is { } current
                && current.Owner == _workerId)
            {
                await _store.ReleaseLeaseAsync(current, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopTaking.CancelAsync().ConfigureAwait(false);
        await _stopRenewing.CancelAsync().ConfigureAwait(false);
        await QuietlyAsync(_completion).ConfigureAwait(false);
        _stopTaking.Dispose();
        _stopRenewing.Dispose();
    }

    private static DateTimeOffset? FromTicks(long ticks) => ticks < 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);

    // The renew loop runs until stop, so waiting for both would hide a take loop that ended on a permanent error.
    private static async Task FirstFaultOrBothAsync(Task first, Task second)
    {
        await (await Task.WhenAny(first, second).ConfigureAwait(false)).ConfigureAwait(false);
        await Task.WhenAll(first, second).ConfigureAwait(false);
    }

    private static async Task QuietlyAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Stopping does not report; Completion did.
        }
    }

    private async Task RenewLoopAsync(CancellationToken stop)
    {
        TimeSpan round = _options.Leases.LeaseDuration / 3;
        while (!stop.IsCancellationRequested)
        {
            HeldLease[] held;
            lock (_gate)
            {
                held = [.. _held.Values];
            }

            await _renewer.RenewAsync(held, round, stop).ConfigureAwait(false);
            Interlocked.Exchange(ref _lastRenewRoundTicks, _timeProvider.GetUtcNow().UtcTicks);
            try
            {
                await Task.Delay(round, _timeProvider, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task TakeLoopAsync(CancellationToken stop)
    {
        TimeSpan round = _options.Leases.LeaseDuration / 3;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                ReapFinishedConsumers();
                await TakeAsync(stop).ConfigureAwait(false);
                RoundCompleted();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (DeliveryException ex) when (ex.Kind == FailureKind.Permanent)
            {
                throw;
            }
            catch (Exception ex)
            {
                Log.LeaseRoundFailed(_logger, ex, _workerId, _options.StreamName);
                RoundFailed(ex);
            }

            try
            {
                await Task.Delay(round, _timeProvider, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private void RoundCompleted()
    {
        _lastRoundError = null;
        Interlocked.Exchange(ref _roundsFailingSince, -1);
        Interlocked.Exchange(ref _lastTakeRoundTicks, _timeProvider.GetUtcNow().UtcTicks);
    }

    /// <summary>Notes a failed round; after <see cref="MaxFailingRounds"/> of nothing but failures, stops for good.</summary>
    private void RoundFailed(Exception error)
    {
        _lastRoundError = error.Message;
        long now = _timeProvider.GetTimestamp();
        long since = Interlocked.CompareExchange(ref _roundsFailingSince, now, -1);
        if (since >= 0 && _timeProvider.GetElapsedTime(since, now) >= MaxFailingRounds)
        {
            throw new DeliveryException(FailureKind.Permanent, "Leases.RoundsFailing",
                $"The lease table of stream '{_options.StreamName}' could not be used for {MaxFailingRounds.TotalMinutes:0} minutes; the last error was: {error.Message}", error);
        }
    }

    private void ReapFinishedConsumers()
    {
        List<HeldLease> finished;
        lock (_gate)
        {
            finished = [.. _held.Values.Where(lease => lease.Consumer.Completion.IsCompleted)];
            foreach (HeldLease lease in finished)
            {
                _held.Remove(lease.Consumer.ShardId);
                if (lease.Consumer.State == ShardConsumerState.ShardEnded)
                {
                    _syncDue = true;
                }
            }
        }

        foreach (HeldLease lease in finished)
        {
            string shardId = lease.Consumer.ShardId;
            if (lease.Consumer.Completion.Exception?.InnerException is not { } error)
            {
                _failures.Ended(shardId);
                continue;
            }

            if (ShardFailures.StopsTheWorker(error))
            {
                Reading.Log.ConsumerFailed(_logger, error, shardId, _options.StreamName);
                var permanent = (DeliveryException)error;
                throw new DeliveryException(FailureKind.Permanent, permanent.ErrorCode,
                    $"Shard {shardId} of stream '{_options.StreamName}' stopped: {permanent.Message}", permanent);
            }

            // The lease is still ours in the table: this worker takes it up again after the backoff (or another worker
            // takes it once it expires), and reading resumes from the checkpoint. A shard that is gone from the stream
            // (aged out) is looked for at once, so that the shard sync removes its lease.
            (int failures, TimeSpan retryIn) = _failures.Failed(shardId);
            string errorCode = ShardFailures.ErrorCodeOf(error);
            _syncDue |= error is ResourceNotFoundException;
            Reading.Log.ShardFailed(_logger, error, shardId, _options.StreamName, errorCode, failures, retryIn);
            _telemetry?.ShardFailed(shardId, errorCode, error.Message);
        }
    }

    private async Task TakeAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<Lease> leases = await _store.ListLeasesAsync(cancellationToken).ConfigureAwait(false);
        if (_syncDue || _timeProvider.GetElapsedTime(_lastShardSync) >= TimeSpan.FromSeconds(_options.Leases.ShardSyncIntervalSeconds))
        {
            bool changed = await _syncer.SyncAsync(leases, cancellationToken).ConfigureAwait(false);
            _lastShardSync = _timeProvider.GetTimestamp();
            _syncDue = false;
            if (changed)
            {
                leases = await _store.ListLeasesAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        HashSet<string> heldKeys;
        lock (_gate)
        {
            heldKeys = [.. _held.Keys];
        }

        LeaseTakePlan plan = _taker.Plan(leases, heldKeys, _failures.BackingOff());
        Log.LeaseRound(_logger, _workerId, leases.Count, heldKeys.Count, plan.Target);
        foreach (Lease lease in plan.Reclaim)
        {
            await TryTakeAsync(lease, cancellationToken).ConfigureAwait(false);
        }

        // Workers racing for the same leases try them in different orders; one that loses a race tries the next.
        int taken = 0;
        foreach (Lease candidate in plan.Candidates)
        {
            if (taken >= plan.Wanted)
            {
                break;
            }

            taken += await TryTakeAsync(candidate, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        if (plan.HandoffRequest is { } wanted && !_stopping
            && await _store.RequestHandoffAsync(wanted, _workerId, cancellationToken).ConfigureAwait(false))
        {
            Log.HandoffRequested(_logger, _workerId, wanted.Owner!, wanted.LeaseKey, plan.Target);
        }
    }

    private async Task<bool> TryTakeAsync(Lease candidate, CancellationToken cancellationToken)
    {
        if (_stopping)
        {
            return false;
        }

        // Like a renewal, a take counts from before it was sent.
        long attempted = _timeProvider.GetTimestamp();
        Lease? taken = await _store.TryTakeLeaseAsync(candidate, _workerId, cancellationToken).ConfigureAwait(false);
        if (taken is null)
        {
            return false;
        }

        Log.LeaseTaken(_logger, _workerId, taken.LeaseKey, candidate.Owner ?? "none", taken.Checkpoint);
        var consumer = new ShardConsumer(taken, _consumerContext);
        lock (_gate)
        {
            _held[taken.LeaseKey] = new HeldLease(taken, consumer, attempted);
        }

        consumer.Start();
        return true;
    }
}
