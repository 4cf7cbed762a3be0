using System.Globalization;
using Delivery.Transforms.Processing;
using Microsoft.Extensions.Logging;

namespace Delivery.Transforms.Contract;

/// <summary>
/// The part every transform (Lambda, HTTP, plugin) shares: a batch's records are cut into invocations sized by the
/// processor's buffer size (and the transport's payload limit), invoked a few at a time, each retried up to
/// <see cref="InvocationSettings.NumberOfRetries"/> times with exponential backoff and a timeout per attempt. An invocation
/// that still fails fails its records with the last error; the results of one that succeeds are checked against the
/// contract by <see cref="ReplyMapper"/>. Output keeps the input order.
/// </summary>
public abstract class InvocationStage : IProcessingStage
{
    private readonly string _stageId;

    protected InvocationStage(string name, string stageId, InvocationSettings settings, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.BufferSizeBytes, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(settings.NumberOfRetries);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxConcurrentInvocations, 1);
        Name = name;
        _stageId = stageId;
        Settings = settings;
        TimeProvider = timeProvider;
        Logger = logger;
    }

    public string Name { get; }

    public InvocationSettings Settings { get; }

    protected TimeProvider TimeProvider { get; }

    protected ILogger Logger { get; }

    /// <summary>The code records fail with when no attempt answered within the timeout.</summary>
    protected abstract string TimeoutErrorCode { get; }

    /// <summary>The code records fail with when an attempt threw something other than <see cref="TransformInvocationException"/>.</summary>
    protected abstract string UnexpectedErrorCode { get; }

    public async ValueTask<IReadOnlyList<ChainRecord>> ProcessAsync(ProcessingRun run, IReadOnlyList<ChainRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(records);
        List<IReadOnlyList<ChainRecord>> invocations = Slice(run, records);
        var outputs = new IReadOnlyList<ChainRecord>[invocations.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = Settings.MaxConcurrentInvocations, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, invocations.Count), options, async (i, token) =>
        {
            string invocationId = $"{run.Batch.Id}-{_stageId}-{i.ToString(CultureInfo.InvariantCulture)}";
            outputs[i] = await InvokeWithRetriesAsync(run, invocationId, invocations[i], token).ConfigureAwait(false);
        }).ConfigureAwait(false);

        // The invocations' outputs are read in place, in order, rather than copied into one list held for the batch.
        return ConcatenatedRecords.Of(outputs);
    }

    /// <summary>
    /// Sends one invocation and returns the transform's results. Throws <see cref="TransformInvocationException"/> when the
    /// invocation failed as a whole; <paramref name="cancellationToken"/> fires at the attempt's timeout.
    /// </summary>
    /// <param name="run">The batch; its records hold the positions and metadata the event carries.</param>
    /// <param name="invocationId">Stable across the attempts of this invocation.</param>
    /// <param name="records">The records; recordId = index in this list.</param>
    /// <param name="cancellationToken">Cancelled at the timeout or when the delivery stops.</param>
    protected abstract Task<IReadOnlyList<TransformReply>> InvokeOnceAsync(ProcessingRun run, string invocationId, IReadOnlyList<ChainRecord> records, CancellationToken cancellationToken);

    /// <summary>An upper bound of the bytes <paramref name="record"/> adds to an invocation's payload.</summary>
    protected virtual long EstimatePayloadBytes(ProcessingRun run, in ChainRecord record) => FirehoseEventWriter.EstimateRecordBytes(run, record);

    /// <summary>
    /// An upper bound of the invocation event's size for <paramref name="records"/>: its buffer is allocated once at that
    /// size, where growing one from a small start costs several times the writing (measured by the TransformContract
    /// micro-benchmark).
    /// </summary>
    protected int EstimateEventBytes(ProcessingRun run, IReadOnlyList<ChainRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        long total = FirehoseEventWriter.EnvelopeBytes;
        foreach (ChainRecord record in records)
        {
            total += EstimatePayloadBytes(run, record);
        }

        return (int)Math.Min(total, Array.MaxLength);
    }

    // The cuts are found first. An invocation is a range of the stage's input when no record was left out, which is
    // nearly always: a copy of every record (40 B each, held for the batch) was a fifth of what survives a gen0 collection
    // on the plugin 100 B path. Otherwise each invocation's list is made at its final size.
    private List<IReadOnlyList<ChainRecord>> Slice(ProcessingRun run, IReadOnlyList<ChainRecord> records)
    {
        var counts = new List<int>();
        bool[]? tooLarge = null;
        int current = 0;
        long bytes = 0;
        long payload = FirehoseEventWriter.EnvelopeBytes;
        for (int i = 0; i < records.Count; i++)
        {
            ChainRecord record = records[i];
            long estimate = EstimatePayloadBytes(run, record);
            if (estimate + FirehoseEventWriter.EnvelopeBytes > Settings.MaxPayloadBytes)
            {
                run.Fail(record.SourceIndex, TransformErrorCodes.PayloadTooLarge,
                    $"A record of {record.Data.Length} bytes makes an event of about {estimate} bytes, over the {Settings.MaxPayloadBytes}-byte limit of {Name}.",
                    ErrorOutputTypes.ProcessingFailed, 0, Name);
                (tooLarge ??= new bool[records.Count])[i] = true;
                continue;
            }

            if (current > 0 && (bytes + record.Data.Length > Settings.BufferSizeBytes || payload + estimate > Settings.MaxPayloadBytes))
            {
                counts.Add(current);
                current = 0;
                bytes = 0;
                payload = FirehoseEventWriter.EnvelopeBytes;
            }

            current++;
            bytes += record.Data.Length;
            payload += estimate;
        }

        if (current > 0)
        {
            counts.Add(current);
        }

        var invocations = new List<IReadOnlyList<ChainRecord>>(counts.Count);
        int next = 0;
        foreach (int count in counts)
        {
            if (tooLarge is null)
            {
                invocations.Add(counts.Count == 1 ? records : new RecordRange(records, next, count));
                next += count;
                continue;
            }

            var invocation = new List<ChainRecord>(count);
            while (invocation.Count < count)
            {
                if (!tooLarge[next])
                {
                    invocation.Add(records[next]);
                }

                next++;
            }

            invocations.Add(invocation);
        }

        return invocations;
    }

    private async Task<IReadOnlyList<ChainRecord>> InvokeWithRetriesAsync(ProcessingRun run, string invocationId, IReadOnlyList<ChainRecord> records, CancellationToken cancellationToken)
    {
        int attempts = Settings.NumberOfRetries + 1;
        TransformInvocationException? last = null;
        for (int attempt = 1; attempt <= attempts; attempt++)
        {
            using var timeout = new CancellationTokenSource(Settings.Timeout, TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            long started = TimeProvider.GetTimestamp();
            try
            {
                // WaitAsync: a plugin that ignores its token must not hold the delivery past the timeout.
                IReadOnlyList<TransformReply> replies = await InvokeOnceAsync(run, invocationId, records, linked.Token)
                    .WaitAsync(linked.Token).ConfigureAwait(false);
                RentedRecords<ChainRecord> output = run.Rent<ChainRecord>(records.Count);
                int unknown;
                try
                {
                    unknown = ReplyMapper.Apply(run, records, replies, output, attempt, Name);
                }
                finally
                {
                    // Pooled replies go back once applied; the records keep their data.
                    (replies as IDisposable)?.Dispose();
                }

                if (unknown > 0)
                {
                    Log.UnknownRecordIds(Logger, Name, invocationId, unknown);
                }

                run.Environment.Telemetry?.ProcessingExecuted(TimeProvider.GetElapsedTime(started), succeeded: true);
                if (run.Environment.Telemetry is { } telemetry)
                {
                    long bytes = 0;
                    foreach (ChainRecord record in output.AsSpan())
                    {
                        bytes += record.Data.Length;
                    }

                    telemetry.ProcessingSucceeded(output.Count, bytes);
                }

                return output;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (OperationCanceledException ex)
            {
                last = new TransformInvocationException(TimeoutErrorCode, $"{Name} did not answer within {Settings.Timeout.TotalSeconds:0.###} s.", ex);
            }
            catch (TransformInvocationException ex)
            {
                last = ex;
            }
            catch (Exception ex)
            {
                last = new TransformInvocationException(UnexpectedErrorCode, $"{Name} failed: {ex.GetType().Name}: {ex.Message}", ex);
            }

            run.Environment.Telemetry?.ProcessingExecuted(TimeProvider.GetElapsedTime(started), succeeded: false);
            if (attempt < attempts)
            {
                TimeSpan delay = RetryDelay(attempt);
                Log.InvocationRetrying(Logger, last, Name, invocationId, records.Count, last.ErrorCode, attempt, attempts, delay);
                await Task.Delay(delay, TimeProvider, cancellationToken).ConfigureAwait(false);
            }
        }

        Log.InvocationFailed(Logger, last, Name, invocationId, records.Count, last!.ErrorCode, attempts);
        foreach (ChainRecord record in records)
        {
            run.Fail(record.SourceIndex, last.ErrorCode, last.Message, ErrorOutputTypes.ProcessingFailed, attempts, Name);
        }

        return [];
    }

    private TimeSpan RetryDelay(int attempt)
    {
        double exponential = Settings.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1);
        double capped = Math.Min(exponential, Settings.MaxRetryDelay.TotalMilliseconds);

        // +-20% jitter keeps the invocations of many batches from retrying in step.
        return TimeSpan.FromMilliseconds(capped * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }
}
