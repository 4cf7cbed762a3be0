using System.Collections.Concurrent;
using System.Threading.Channels;
using Delivery.Pipeline.Delivery;
using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Memory;
using Delivery.Plans;
using Delivery.Telemetry;
using Microsoft.Extensions.Logging;
using Polly;

namespace Delivery.Pipeline;

/// <summary>
/// One configured pipeline's delivery side: the shard sessions it opens for its source, a bounded queue of cut
/// batches, and the loops that write them to the destination, retry them, and acknowledge them so their shards can
/// checkpoint. When the queue is full, cutting waits, and with it the reader: backpressure, never loss.
/// </summary>
public sealed partial class DeliveryPipeline : IShardRecordSink, IAsyncDisposable
{
    private readonly IBatchWriter _writer;
    private readonly IBackupWriter _backup;
    private readonly Channel<DeliveryWork> _queue;
    private readonly CancellationTokenSource _hardStop = new();
    private readonly ResiliencePipeline _retry;
    private readonly FailureLogThrottle _failureLog;
    private readonly ConcurrentDictionary<ShardSession, byte> _sessions = new();

    // The live session of each shard: a plan's pieces are registered with it.
    private readonly ConcurrentDictionary<string, ShardSession> _sessionsByShard = new(StringComparer.Ordinal);
    private Task[] _loops = [];
    private int _disposed;
    private int _sweeping;

    /// <summary>Creates a pipeline that writes to <paramref name="writer"/>.</summary>
    /// <param name="settings">Name, buffering hints and concurrency.</param>
    /// <param name="writer">The destination.</param>
    /// <param name="backup">Where records the writer reports as failed go, before their batch is acknowledged.</param>
    /// <param name="budget">The worker's memory budget, shared by all pipelines.</param>
    /// <param name="timeProvider">The clock for intervals and retry backoff.</param>
    /// <param name="logger">Receives delivery and checkpoint events.</param>
    /// <param name="telemetry">Receives the pipeline's metrics and per-shard activity; none when null.</param>
    /// <param name="plans">
    /// The plan ledger and range reader: required for <see cref="BufferingScope.Worker"/>, and used in either scope to
    /// resolve plans a lease names.
    /// </param>
    public DeliveryPipeline(PipelineSettings settings, IBatchWriter writer, IBackupWriter backup, MemoryBudget budget, TimeProvider timeProvider, ILogger<DeliveryPipeline> logger, PipelineTelemetry? telemetry = null, PlanServices? plans = null)
    {
        if (settings?.Buffering.Scope == BufferingScope.Worker && plans is null)
        {
            throw new ArgumentException($"Pipeline {settings.Name}: Buffering:Scope Worker needs the plan ledger.", nameof(plans));
        }

        Plans = plans;
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(backup);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxConcurrentDeliveries, 1);
        Settings = settings;
        _writer = writer;
        _backup = backup;
        Budget = budget;
        Budget.Pressure += OnMemoryPressure;
        TimeProvider = timeProvider;
        Logger = logger;
        Telemetry = telemetry;
        telemetry?.TrackFreshness(writer.DestinationType, OldestUndeliveredArrival);
        _queue = Channel.CreateBounded<DeliveryWork>(new BoundedChannelOptions(settings.MaxConcurrentDeliveries * 2)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = settings.MaxConcurrentDeliveries == 1,
        });
        _failureLog = new FailureLogThrottle(timeProvider, FailureLogThrottle.DefaultInterval);
        _retry = BatchRetryPolicy.Create(settings, timeProvider, args =>
        {
            if (args.Context.Properties.TryGetValue(CurrentBatch, out DeliveryBatch? batch) && args.Outcome.Exception is { } exception)
            {
                string errorCode = exception is DeliveryException delivery ? delivery.ErrorCode : exception.GetType().Name;
                string target = args.Context.Properties.GetValue(CurrentTarget, _writer.DestinationType);
                LogFailedAttempt(batch, target, exception, errorCode, args.AttemptNumber + 1, args.RetryDelay);
                if (target == _writer.DestinationType)
                {
                    Telemetry?.BatchFailed(_writer.DestinationType, batch.Source.ShardId, errorCode, exception.Message);
                }
                else
                {
                    Telemetry?.BackupFailed(batch.Source.ShardId, errorCode, exception.Message);
                }
            }
        });
    }

    public string Name => Settings.Name;

    public PipelineSettings Settings { get; }

    internal MemoryBudget Budget { get; }

    internal TimeProvider TimeProvider { get; }

    internal ILogger Logger { get; }

    internal PipelineTelemetry? Telemetry { get; }

    /// <summary>True once started and while every delivery loop runs (the liveness of this pipeline's delivery side).</summary>
    public bool IsRunning => _loops.Length > 0 && _loops.All(loop => !loop.IsCompleted);

    internal CancellationToken Stopping => _hardStop.Token;

    private static ResiliencePropertyKey<DeliveryBatch> CurrentBatch { get; } = new("delivery.batch");

    private static ResiliencePropertyKey<string> CurrentTarget { get; } = new("delivery.target");

    /// <summary>Starts the delivery loops.</summary>
    public void Start()
    {
        if (_loops.Length > 0)
        {
            throw new InvalidOperationException($"Pipeline {Name} is already started.");
        }

        _loops = [.. Enumerable.Range(0, Settings.MaxConcurrentDeliveries).Select(_ => Task.Run(DeliveryLoopAsync))];
    }

    public IShardSession OpenShard(ShardSessionStart start, IShardCheckpointer checkpointer)
    {
        ArgumentNullException.ThrowIfNull(start);
        Log.ShardSessionOpened(Logger, Name, start.ShardId, start.Checkpoint?.ToString() ?? "its start", start.PendingBatches.Count);
        var session = new ShardSession(this, start, checkpointer);
        _sessions[session] = 0;
        _sessionsByShard[start.ShardId] = session;
        return session;
    }

    /// <summary>
    /// Stops taking batches and waits for the queued ones to be delivered. Call it after every session is drained or
    /// abandoned. When <paramref name="cancellationToken"/> fires (the grace period is over), deliveries in progress
    /// are cancelled and stay un-checkpointed.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await _hardStop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Budget.Pressure -= OnMemoryPressure;
        _queue.Writer.TryComplete();
        await _hardStop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
        lock (_workerGate)
        {
            DisposeWorkerTimerLocked();
            _workerBuffer?.DiscardAll();
        }

        _hardStop.Dispose();
    }

    /// <summary>
    /// Arrival time of the oldest record read but not yet delivered, across this pipeline's shards (buffered or in a
    /// batch being written); null when nothing waits. DataFreshness is its age.
    /// </summary>
    public DateTimeOffset? OldestUndeliveredArrival()
    {
        DateTimeOffset? oldest = null;
        lock (_workerGate)
        {
            if (_workerBuffer is { IsEmpty: false } buffer)
            {
                oldest = buffer.OldestArrival;
            }
        }

        foreach (ShardSession session in _sessions.Keys)
        {
            if (session.OldestUndeliveredArrival() is { } arrival && (oldest is null || arrival < oldest))
            {
                oldest = arrival;
            }
        }

        return oldest;
    }

    /// <summary>What each shard session of this pipeline holds now, for the status page.</summary>
    public IReadOnlyList<ShardDeliveryStatus> ShardStatuses() => [.. _sessions.Keys.Select(session => session.Status())];

    internal ValueTask EnqueueAsync(DeliveryWork work, CancellationToken cancellationToken) => _queue.Writer.WriteAsync(work, cancellationToken);

    internal void Forget(ShardSession session)
    {
        _sessions.TryRemove(session, out _);
        _sessionsByShard.TryRemove(new KeyValuePair<string, ShardSession>(session.ShardId, session));
    }

    // A reader waits for memory: every buffer of this pipeline goes on its way now rather than at its interval, or the
    // bytes idle shards hold could keep a busy shard waiting for up to 15 minutes.
    // With many shards, readers start waiting many times a second, each raising pressure: one sweep at a time covers
    // them all (the waiting reader has already cut its own buffer), and empty buffers are passed over without starting
    // a cut. Sweeping every session for every waiter made each record cost five times more at 1,000 shards than at 100.
    private void OnMemoryPressure()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }

        try
        {
            if (IsWorkerScope)
            {
                _ = CutWorkerBufferInBackgroundAsync();
            }

            foreach (ShardSession session in _sessions.Keys)
            {
                if (session.HasBufferedRecords)
                {
                    _ = session.CutInBackgroundAsync();
                }
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    private async Task DeliveryLoopAsync()
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_hardStop.Token).ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out DeliveryWork? work))
                {
                    // A work its session gave up while it was queued is done already.
                    if (work.TryStart())
                    {
                        await (work.IsPlan ? DeliverPlanAsync(work) : DeliverAsync(work)).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_hardStop.IsCancellationRequested)
        {
            // Hard stop: whatever is still queued is released below and read again by the next owner.
        }

        while (_queue.Reader.TryRead(out DeliveryWork? abandoned))
        {
            if (abandoned.TryStart())
            {
                abandoned.Batch.Release();
                abandoned.CompleteInSessions();
            }
        }
    }

    private async Task DeliverAsync(DeliveryWork work)
    {
        DeliveryBatch batch = work.Batch;
        ShardSession session = work.Session;
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(_hardStop.Token, session.LeaseLost);
        CancellationToken token = cancellation.Token;
        using IDisposable? scope = Log.BatchScope(Logger, batch.Source.ShardId, batch.Id);
        try
        {
            // The planned range goes to the lease before the object is written, so a new owner after a crash cuts the
            // same batch again and overwrites the object instead of writing its records a second time.
            await session.PersistAsync(token).ConfigureAwait(false);

            BatchWriteResult result = await WriteWithBackupAsync(batch, token).ConfigureAwait(false);
            session.Acknowledge(batch);
            Log.BatchDelivered(Logger, Name, batch.Id, batch.Source.ShardId, batch.Source.First, batch.Source.Last, batch.Records.Count - result.FailedRecords.Count, batch.DataBytes, _writer.DestinationType);
            RecordDelivery(batch, result);
            await session.PersistAsync(token).ConfigureAwait(false);
        }
        catch (LeaseLostException)
        {
            // The session has been abandoned; the new owner delivers these records.
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Hard stop or lost lease: the batch stays un-checkpointed and is read again.
        }
        catch (Exception ex)
        {
            // Nothing may end a delivery loop. A shard cannot go on past a batch it could not deliver, so the session
            // fails: its reader ends with this error and the shard is read again from its checkpoint after a backoff.
            Log.BatchAbandoned(Logger, ex, Name, batch.Id, batch.Source.ShardId);
            session.Fail(ex);
        }
        finally
        {
            // The batch's pages give their bytes back to the budget once no other batch or buffer holds them.
            batch.Release();
            session.Completed(work);
        }
    }

    /// <summary>Writes the batch, retried until it is written, then backs up the records the destination refused.</summary>
    private async Task<BatchWriteResult> WriteWithBackupAsync(DeliveryBatch batch, CancellationToken token)
    {
        BatchWriteResult result = await WithRetriesAsync(
            batch,
            _writer.DestinationType,
            static (state, ct) => state.Writer.WriteAsync(state.Batch, ct),
            (Writer: _writer, Batch: batch),
            token).ConfigureAwait(false);
        if (!result.AllDelivered)
        {
            await BackUpAsync(batch, result.FailedRecords, token).ConfigureAwait(false);
        }

        return result;
    }

    // Failed records are part of the batch's acknowledgement: the checkpoint may pass them only once they are in the
    // backup bucket, and a backup that cannot be written is retried like a delivery, holding the shard where it is.
    private async Task BackUpAsync(DeliveryBatch batch, IReadOnlyList<FailedRecord> failed, CancellationToken token)
    {
        FailedRecordChecks.EnsureValid(batch, failed, _writer.DestinationType);
        foreach (IGrouping<string, FailedRecord> group in failed.GroupBy(record => record.ErrorOutputType, StringComparer.Ordinal))
        {
            FailedRecord[] records = [.. group.OrderBy(record => record.Index)];
            await WithRetriesAsync(
                batch,
                "backup bucket (" + group.Key + ")",
                static async (state, ct) =>
                {
                    await state.Backup.WriteFailedAsync(state.Batch, state.Type, state.Records, ct).ConfigureAwait(false);
                    return true;
                },
                (Backup: _backup, Batch: batch, Type: group.Key, Records: records),
                token).ConfigureAwait(false);
            Log.FailedRecordsBackedUp(Logger, Name, batch.Id, batch.Source.ShardId, records.Length, group.Key, records[0].ErrorCode);
            Telemetry?.BackupWritten(records.Length, records.Sum(record => (long)batch.Records[record.Index].Data.Length));
        }
    }

    // What the destination took counts as delivered; a batch it gave up on whole (into the backup bucket) counts as a
    // failed write, as Firehose counts a delivery that ran out of retries.
    private void RecordDelivery(DeliveryBatch batch, BatchWriteResult result)
    {
        if (Telemetry is null)
        {
            return;
        }

        long refusedBytes = result.FailedRecords.Sum(record => (long)batch.Records[record.Index].Data.Length);
        int taken = batch.Records.Count - result.FailedRecords.Count;
        long takenBytes = batch.DataBytes - refusedBytes;
        if (Settings.ConvertsFormat)
        {
            RecordConversion(batch, result, taken, takenBytes);
        }

        if (taken == 0)
        {
            // Only a destination that gave the batch up is failing; records that all failed a transform, the conversion
            // or partitioning say nothing about it (no write was even made), and must not read as "destination down".
            if (result.FailedRecords.FirstOrDefault(record => ErrorOutputTypes.IsDestinationFailure(record.ErrorOutputType)) is { ErrorCode: not null } refused)
            {
                Telemetry.BatchFailed(_writer.DestinationType, batch.Source.ShardId, refused.ErrorCode, refused.ErrorMessage);
            }

            return;
        }

        Telemetry.BatchDelivered(_writer.DestinationType, batch.Source.ShardId, taken, takenBytes);
    }

    // Every record the destination took was converted; records it refused for other reasons never reached conversion.
    private void RecordConversion(DeliveryBatch batch, BatchWriteResult result, int converted, long convertedBytes)
    {
        int failed = 0;
        long failedBytes = 0;
        foreach (FailedRecord record in result.FailedRecords)
        {
            if (record.ErrorOutputType == ErrorOutputTypes.FormatConversionFailed)
            {
                failed++;
                failedBytes += batch.Records[record.Index].Data.Length;
            }
        }

        if (failed > 0)
        {
            Telemetry!.ConversionFailed(failed, failedBytes);
        }

        if (converted > 0)
        {
            Telemetry!.ConversionSucceeded(converted, convertedBytes);
        }
    }

    // Every attempt counts in the metrics; the log gets the first failure of a target, then a summary at most once a
    // minute, so a bucket that stays deleted for a day writes a line a minute, not one per retry of every batch.
    private void LogFailedAttempt(DeliveryBatch batch, string target, Exception exception, string errorCode, int attempt, TimeSpan retryDelay)
    {
        FailureLogDecision decision = _failureLog.Failed(target, batch.Source.ShardId);
        if (decision.Action == FailureLogAction.LogFirst)
        {
            Log.BatchDeliveryFailed(Logger, exception, Name, batch.Id, batch.Source.ShardId, target, attempt, errorCode, retryDelay);
        }
        else if (decision.Action == FailureLogAction.LogSummary)
        {
            Log.DeliveryStillFailing(Logger, Name, target, decision.Attempts, decision.Shards, decision.Since, errorCode, exception.Message);
        }
    }

    private async Task<TResult> WithRetriesAsync<TResult, TState>(
        DeliveryBatch batch,
        string target,
        Func<TState, CancellationToken, Task<TResult>> action,
        TState state,
        CancellationToken token)
    {
        ResilienceContext context = ResilienceContextPool.Shared.Get(token);
        context.Properties.Set(CurrentBatch, batch);
        context.Properties.Set(CurrentTarget, target);
        try
        {
            TResult result = await _retry.ExecuteAsync(
                static (ctx, s) => new ValueTask<TResult>(s.Action(s.State, ctx.CancellationToken)),
                context,
                (Action: action, State: state)).ConfigureAwait(false);
            if (_failureLog.Succeeded(target) is { } recovery)
            {
                Log.DeliveryRecovered(Logger, Name, target, recovery.Attempts, recovery.Since, TimeProvider.GetUtcNow() - recovery.Since);
            }

            return result;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
