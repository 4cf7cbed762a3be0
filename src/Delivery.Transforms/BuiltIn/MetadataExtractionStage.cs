using Delivery.Transforms.Processing;
using Delivery.Transforms.Query;

namespace Delivery.Transforms.BuiltIn;

/// <summary>
/// Firehose's <c>MetadataExtraction</c> processor: evaluates the JQ query on each (JSON) record and keeps the values as
/// the record's keys for <c>!{partitionKeyFromQuery:name}</c>. A record the query cannot evaluate (not JSON, a key
/// missing or null) goes to the backup bucket under <c>processing-failed</c>.
/// </summary>
/// <remarks>
/// Records of a batch with equal values share one read-only dictionary of keys (<see cref="QueryKeySets"/>): a batch
/// has a few dozen partitions and tens of thousands of records, and what a record carries lives as long as its batch.
/// </remarks>
public sealed class MetadataExtractionStage(JqQuery query) : IProcessingStage
{
    public string Name => "MetadataExtraction";

    public JqQuery Query { get; } = query ?? throw new ArgumentNullException(nameof(query));

    public ValueTask<IReadOnlyList<ChainRecord>> ProcessAsync(ProcessingRun run, IReadOnlyList<ChainRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(records);
        var keySets = new QueryKeySets(Query);
        RentedRecords<ChainRecord> output = run.Rent<ChainRecord>(records.Count);
        foreach (IReadOnlyList<ChainRecord> part in ChainRecordLists.Parts(records))
        {
            Extract(run, keySets, ChainRecordLists.Span(part), output);
        }

        return ValueTask.FromResult<IReadOnlyList<ChainRecord>>(output);
    }

    private void Extract(ProcessingRun run, QueryKeySets keySets, ReadOnlySpan<ChainRecord> records, RentedRecords<ChainRecord> output)
    {
        foreach (ref readonly ChainRecord record in records)
        {
            try
            {
                IReadOnlyDictionary<string, string>? keys = keySets.Evaluate(record.Data.Span, out string? error);
                if (keys is null)
                {
                    run.Fail(record.SourceIndex, TransformErrorCodes.MetadataExtractionFailed, $"The metadata extraction query could not be evaluated: {error}.", ErrorOutputTypes.ProcessingFailed);
                    continue;
                }

                output.Add(record with { KeysFromQuery = keys });
            }
#pragma warning disable CA1031 // One record's failure is that record's: a bug the record triggers fails it alone, never the batch.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                run.Fail(record.SourceIndex, TransformErrorCodes.MetadataExtractionFailed, $"{Name} could not process the record: {ex.GetType().Name}: {ex.Message.TrimEnd('.')}.", ErrorOutputTypes.ProcessingFailed);
            }
        }
    }
}
