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
/// batch again, processors included.
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
        ProcessingRun run = outcome.Run;
        List<Part> parts = _partitioner is null
            ? outcome.Records.Count == 0 ? [] : [Part.Of(batch, null, outcome.Records)]
            : [.. _partitioner.Group(run, outcome.Records).Select(group => Part.Of(batch, group.Keys, group.Records))];

        var options = new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentPartitionWrites, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(parts, options, async (part, token) =>
        {
            BatchWriteResult written = await _destination.WriteAsync(part.Batch, token).ConfigureAwait(false);
            foreach (FailedRecord failed in written.FailedRecords)
            {
                run.Fail(part.SourceIndexes[failed.Index], failed.ErrorCode, failed.ErrorMessage, failed.ErrorOutputType, failed.AttemptsMade, failed.LambdaArn);
            }
        }).ConfigureAwait(false);

        List<FailedRecord> failures = run.Failures();
        Log.BatchProcessed(_logger, batch.DeliveryStreamName, batch.Id, batch.Records.Count, outcome.Records.Count, parts.Count, failures.Count);
        return failures.Count == 0 ? BatchWriteResult.Delivered : new BatchWriteResult(failures);
    }

    public ValueTask DisposeAsync() => _chain.DisposeAsync();

    /// <summary>One object's worth: the records as a batch of their own, and where each came from in the original.</summary>
    private sealed record Part(DeliveryBatch Batch, int[] SourceIndexes)
    {
        public static Part Of(DeliveryBatch original, PartitionKeys? keys, IReadOnlyList<ChainRecord> records)
        {
            var converted = new SourceRecord[records.Count];
            int[] sources = new int[records.Count];
            for (int i = 0; i < converted.Length; i++)
            {
                ChainRecord record = records[i];
                SourceRecord source = original.Records[record.SourceIndex];
                converted[i] = source with { Data = record.Data };
                sources[i] = record.SourceIndex;
            }

            return new Part(new DeliveryBatch(original.DeliveryStreamName, original.Source, converted, keys), sources);
        }
    }
}
