using Delivery.Transforms.Partitioning;
using Microsoft.Extensions.Logging;

namespace Delivery.Transforms.Processing;

/// <summary>
/// The processing stage in front of a destination: each cut batch runs through the pipeline's processors, is split into
/// one batch per dynamic partition, and each of those is written by the destination. Records that failed anywhere are
/// returned as failed, by their index in the original batch, so the pipeline backs up their original bytes.
/// </summary>
/// <remarks>
/// Everything derives from the original batch: a partition's object id comes from the batch id and the partition's
/// keys, and partitions are formed the same way every time, so a batch delivered again (a retry, or a new owner after a
/// crash) overwrites the same objects. A thrown exception (the destination failed) makes the pipeline deliver the whole
/// batch again, processors included. When a record was split into parts and the destination encodes before it writes
/// (<see cref="IEncodingBatchWriter"/>), every part is encoded before any is written (<see cref="SplitSafeWrites"/>), so
/// a part the destination refuses takes its record's other parts out of every object first.
/// </remarks>
public sealed class TransformingBatchWriter : IBatchWriter, IAsyncDisposable
{
    // Partitions of one batch written at once: enough to hide S3 latency with many small partitions, few enough to
    // leave connections for the pipeline's other deliveries.
    private const int MaxConcurrentPartitionWrites = 8;

    private readonly ProcessingChain _chain;
    private readonly DynamicPartitioner? _partitioner;
    private readonly IBatchWriter _destination;
    private readonly ILogger _logger;

    /// <param name="chain">The processors; may have none when only dynamic partitioning is configured.</param>
    /// <param name="partitioner">Null without dynamic partitioning.</param>
    /// <param name="destination">Writes each (partition) batch.</param>
    /// <param name="logger">Receives one debug line per batch.</param>
    public TransformingBatchWriter(ProcessingChain chain, DynamicPartitioner? partitioner, IBatchWriter destination, ILogger<TransformingBatchWriter> logger)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(logger);
        _chain = chain;
        _partitioner = partitioner;
        _destination = destination;
        _logger = logger;
    }

    public string DestinationType => _destination.DestinationType;

    public async Task<BatchWriteResult> WriteAsync(DeliveryBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ProcessingOutcome outcome = await _chain.RunAsync(batch, cancellationToken).ConfigureAwait(false);

        try
        {
            // What the processors made (decompressed, transformed records) is held beside the batch's pages while it is
            // written: the memory budget counts it, so readers wait rather than let it pile up beyond the budget.
            using IDisposable charge = batch.ChargeWhileWriting(ProcessedBytes(outcome.Records));
            ProcessingRun run = outcome.Run;
            List<BatchPart> parts = _partitioner is null
                ? outcome.Records.Count == 0 ? [] : [BatchPart.Of(run, batch, null, outcome.Records)]
                : BatchPart.Of(run, batch, [.. _partitioner.Group(run, outcome.Records).Select(group => ((PartitionKeys?)group.Keys, group.Records))]);
            if (_partitioner is not null)
            {
                _chain.Environment.Telemetry?.PartitionsActive(parts.Count, overCap: run.Failures().Any(failure => failure.ErrorOutputType == ErrorOutputTypes.PartitionCountExceeded));
            }

            var options = new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentPartitionWrites, CancellationToken = cancellationToken };
            if (_destination is IEncodingBatchWriter encoding && BatchPart.AnySplit(batch, outcome.Records))
            {
                await SplitSafeWrites.WriteAsync(encoding, run, parts, options).ConfigureAwait(false);
            }
            else
            {
                await WriteEachAsync(run, parts, options).ConfigureAwait(false);
            }

            List<FailedRecord> failures = run.Failures();
            Log.BatchProcessed(_logger, batch.DeliveryStreamName, batch.Id, batch.Records.Count, outcome.Records.Count, parts.Count, failures.Count);
            if (_partitioner is null || parts.Count == 0)
            {
                return failures.Count == 0 ? BatchWriteResult.Delivered : new BatchWriteResult(failures);
            }

            return new BatchWriteResult(failures) { Partitions = new PartitionSizes(parts.Sum(part => part.Batch.DataBytes), parts.Max(part => part.Batch.DataBytes)) };
        }
        finally
        {
            // The chain's lists and the parts' records are read by nothing once every part is written.
            outcome.Run.ReturnRented();
        }
    }

    public ValueTask DisposeAsync() => _chain.DisposeAsync();

    /// <summary>Bytes of the processed records that are copies, not the batch's own bytes passed through.</summary>
    private static long ProcessedBytes(IReadOnlyList<ChainRecord> records)
    {
        long bytes = 0;
        foreach (IReadOnlyList<ChainRecord> part in ChainRecordLists.Parts(records))
        {
            foreach (ref readonly ChainRecord record in ChainRecordLists.Span(part))
            {
                bytes += RecordPage.IsPageMemory(record.Data) ? 0 : record.Data.Length;
            }
        }

        return bytes;
    }

    // Without split records no part's refusals concern another part: each is encoded and written in one go, so only
    // a few encoded objects are held at a time.
    private async Task WriteEachAsync(ProcessingRun run, List<BatchPart> parts, ParallelOptions options)
    {
        var results = new BatchWriteResult[parts.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, parts.Count), options, async (i, token) =>
            results[i] = await _destination.WriteAsync(parts[i].Batch, token).ConfigureAwait(false)).ConfigureAwait(false);
        for (int i = 0; i < parts.Count; i++)
        {
            parts[i].Fail(run, results[i].FailedRecords);
        }
    }
}
