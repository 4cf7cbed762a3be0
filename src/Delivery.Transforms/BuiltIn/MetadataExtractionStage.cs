using Delivery.Transforms.Processing;
using Delivery.Transforms.Query;

namespace Delivery.Transforms.BuiltIn;

/// <summary>
/// Firehose's <c>MetadataExtraction</c> processor: evaluates the JQ query on each (JSON) record and keeps the values as
/// the record's keys for <c>!{partitionKeyFromQuery:name}</c>. A record the query cannot evaluate (not JSON, a key
/// missing or null) goes to the backup bucket under <c>processing-failed</c>.
/// </summary>
public sealed class MetadataExtractionStage(JqQuery query) : RecordStage
{
    public override string Name => "MetadataExtraction";

    public JqQuery Query { get; } = query ?? throw new ArgumentNullException(nameof(query));

    protected override string UnexpectedErrorCode => TransformErrorCodes.MetadataExtractionFailed;

    protected override void Process(ProcessingRun run, in ChainRecord record, List<ChainRecord> output)
    {
        Dictionary<string, string>? keys = Query.Evaluate(record.Data.Span, out string? error);
        if (keys is null)
        {
            run.Fail(record.SourceIndex, TransformErrorCodes.MetadataExtractionFailed, $"The metadata extraction query could not be evaluated: {error}.", ErrorOutputTypes.ProcessingFailed);
            return;
        }

        output.Add(record with { KeysFromQuery = keys });
    }
}
