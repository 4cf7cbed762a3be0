using Delivery.Transforms.Contract;
using Delivery.Transforms.Processing;
using Microsoft.Extensions.Logging;

namespace Delivery.Transforms.Plugins;

/// <summary>
/// Runs an in-process <see cref="IRecordTransform"/>: the same contract and checks as a Lambda (one result per recordId,
/// retries, timeout), but records go as bytes, with no JSON, no base64 and no payload cap, and a record may be split.
/// </summary>
public sealed class PluginTransformStage : InvocationStage, IAsyncDisposable
{
    private static readonly IReadOnlyDictionary<string, string> NoKeys = new Dictionary<string, string>();
    private readonly IRecordTransform _transform;

    /// <param name="transform">The plugin; disposed with the stage when it is disposable.</param>
    /// <param name="name">How logs and backup records name it, such as <c>plugin:Acme.Enricher</c>.</param>
    /// <param name="stageId">Distinguishes this stage's invocation ids from another stage's.</param>
    /// <param name="settings">Sizing, retries and timeout.</param>
    /// <param name="timeProvider">Times attempts and backoff.</param>
    /// <param name="logger">Receives retries and failures.</param>
    public PluginTransformStage(IRecordTransform transform, string name, string stageId, InvocationSettings settings, TimeProvider timeProvider, ILogger<PluginTransformStage> logger)
        : base(name, stageId, settings, timeProvider, logger)
    {
        ArgumentNullException.ThrowIfNull(transform);
        _transform = transform;
    }

    protected override string TimeoutErrorCode => TransformErrorCodes.PluginTimeout;

    protected override string UnexpectedErrorCode => TransformErrorCodes.PluginException;

    public async ValueTask DisposeAsync()
    {
        switch (_transform)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    // No event is serialized: the payload is the bytes themselves.
    protected override long EstimatePayloadBytes(ProcessingRun run, in ChainRecord record) => record.Data.Length;

    protected override async Task<IReadOnlyList<TransformReply>> InvokeOnceAsync(ProcessingRun run, string invocationId, IReadOnlyList<ChainRecord> records, CancellationToken cancellationToken)
    {
        DeliveryBatch batch = run.Batch;

        // The records' bytes are lent to the plugin for this call only; the loan ends when the plugin's task does
        // (after a timeout too), and the pages it lends from stay held until then.
        var loan = new MemoryLoan();
        var input = new TransformRecord[records.Count];
        ReadOnlySpan<ChainRecord> chain = ChainRecordLists.Span(records);
        IReadOnlyList<SourceRecord> sources = batch.Records;
        for (int i = 0; i < input.Length; i++)
        {
            ref readonly ChainRecord record = ref chain[i];
            SourceRecord source = sources[record.SourceIndex];
            input[i] = new TransformRecord(RecordIds.Of(i), loan.Lend(record.Data), batch.ShardIdOf(source), source, record.KeysFromTransform ?? NoKeys);
        }

        var invocation = new TransformInvocation
        {
            InvocationId = invocationId,
            DeliveryStreamArn = run.Environment.DeliveryStreamArn,
            SourceKinesisStreamArn = run.Environment.KinesisStreamArn(batch.Source.StreamName),
            Region = run.Environment.Region,
            Records = input,
        };
        Task<IReadOnlyList<TransformedRecord>> call;
        try
        {
            call = _transform.TransformAsync(invocation, cancellationToken).AsTask();
        }
        catch
        {
            loan.Dispose();
            throw;
        }

        _ = call.ContinueWith(static (_, state) => ((MemoryLoan)state!).Dispose(), loan, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        IReadOnlyList<TransformedRecord>? results = await call.ConfigureAwait(false);
        if (results is null)
        {
            throw new TransformInvocationException(TransformErrorCodes.PluginException, $"{Name} returned null instead of a list of results.");
        }

        var replies = new TransformReplies(results.Count);
        for (int i = 0; i < results.Count; i++)
        {
            TransformedRecord? result = results[i];
            replies.Add(result is null ? TransformReply.Invalid(-1, TransformErrorCodes.InvalidResult, "null result") : Reply(result, loan));
        }

        return replies;
    }

    private static TransformReply Reply(TransformedRecord result, MemoryLoan loan)
    {
        int index = result.RecordId is null ? -1 : TransformReply.ParseRecordId(result.RecordId);
        if (result.Result != TransformResult.Ok)
        {
            return new TransformReply(index, result.Result, default, null, result.ErrorMessage);
        }

        // Parts that are slices of what was lent (a record passed through, or cut) point at the batch's bytes again.
        // One part is what nearly every result is; a split (or none) keeps a list.
        IReadOnlyList<ReadOnlyMemory<byte>> parts = result.Data ?? [];
        ReadOnlyMemory<byte> single = parts.Count == 1 ? loan.Reclaim(parts[0]) : default;
        ReadOnlyMemory<byte>[]? split = parts.Count == 1 ? null : [.. parts.Select(loan.Reclaim)];
        Dictionary<string, string>? keys = CopyKeys(result.PartitionKeys, out string? problem);
        return problem is null
            ? new TransformReply(index, result.Result, single, keys, result.ErrorMessage) { Split = split }
            : TransformReply.Invalid(index, TransformErrorCodes.InvalidPartitionKeys, $"The partition keys of record {result.RecordId}: {problem}.");
    }

    // The plugin's keys are read once, into a dictionary of ours, so what a nullable-oblivious or careless plugin puts
    // there (a null, a lone surrogate, a dictionary that throws) fails that record here, as a Lambda's bad keys do.
    private static Dictionary<string, string>? CopyKeys(IReadOnlyDictionary<string, string> source, out string? problem)
    {
        problem = null;
        try
        {
            if (source.Count == 0)
            {
                return null;
            }

            var keys = new Dictionary<string, string>(source.Count, StringComparer.Ordinal);
            foreach ((string name, string? value) in source)
            {
                problem = !JsonText.IsValidUnicode(name) ? "a key name is not valid Unicode"
                    : value is null ? $"the value of '{name}' is null"
                    : !JsonText.IsValidUnicode(value) ? $"the value of '{name}' is not valid Unicode"
                    : null;
                if (problem is not null)
                {
                    return null;
                }

                keys[name] = value!;
            }

            return keys;
        }
#pragma warning disable CA1031 // The plugin's object, not ours: whatever reading it throws fails the record it came with.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            problem = $"they could not be read ({ex.GetType().Name}: {ex.Message.TrimEnd('.')})";
            return null;
        }
    }
}
