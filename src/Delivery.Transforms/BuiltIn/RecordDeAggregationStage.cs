using System.Text.Json;
using Delivery.Transforms.Processing;

namespace Delivery.Transforms.BuiltIn;

/// <summary>How <see cref="RecordDeAggregationStage"/> finds the records inside a record.</summary>
public enum SubRecordType
{
    /// <summary>Concatenated JSON values, with or without whitespace between them: <c>{"a":1}{"a":2}</c>.</summary>
    Json,

    /// <summary>Records separated by a delimiter (a newline by default); empty pieces are left out.</summary>
    Delimited,
}

/// <summary>
/// Firehose's <c>RecordDeAggregation</c> processor: a record that holds several records (as producers that batch into
/// one Kinesis record write them) becomes those records, in order. The pieces are slices of the original bytes: nothing
/// is copied.
/// </summary>
public sealed class RecordDeAggregationStage : RecordStage
{
    private static readonly JsonReaderOptions MultipleValues = new() { AllowMultipleValues = true };
    private readonly SubRecordType _type;
    private readonly byte[] _delimiter;

    public RecordDeAggregationStage(SubRecordType type, byte[]? delimiter = null)
    {
        _type = type;
        _delimiter = delimiter is { Length: > 0 } ? delimiter : "\n"u8.ToArray();
    }

    public override string Name => "RecordDeAggregation";

    protected override string UnexpectedErrorCode => TransformErrorCodes.DeAggregationInvalidJson;

    protected override void Process(ProcessingRun run, in ChainRecord record, List<ChainRecord> output)
    {
        int before = output.Count;
        if (_type == SubRecordType.Delimited)
        {
            SplitDelimited(record, output);
            FailIfEmpty(run, record, output, before);
            return;
        }

        try
        {
            var reader = new Utf8JsonReader(record.Data.Span, MultipleValues);
            while (reader.Read())
            {
                int start = checked((int)reader.TokenStartIndex);
                reader.Skip();
                int end = checked((int)reader.BytesConsumed);
                output.Add(record with { Data = record.Data[start..end] });
            }

            FailIfEmpty(run, record, output, before);
        }
        catch (JsonException ex)
        {
            output.RemoveRange(before, output.Count - before);
            run.Fail(record.SourceIndex, TransformErrorCodes.DeAggregationInvalidJson,
                $"The record is not a sequence of JSON values: {ex.Message.TrimEnd('.')}.", ErrorOutputTypes.ProcessingFailed);
        }
    }

    // A record that holds no record at all is reported, not silently made to vanish.
    private static void FailIfEmpty(ProcessingRun run, in ChainRecord record, List<ChainRecord> output, int before)
    {
        if (output.Count == before)
        {
            run.Fail(record.SourceIndex, TransformErrorCodes.DeAggregationEmpty, "The record holds no record to de-aggregate (it is empty or only delimiters or whitespace).", ErrorOutputTypes.ProcessingFailed);
        }
    }

    private void SplitDelimited(in ChainRecord record, List<ChainRecord> output)
    {
        ReadOnlyMemory<byte> rest = record.Data;
        while (rest.Length > 0)
        {
            int at = rest.Span.IndexOf(_delimiter);
            ReadOnlyMemory<byte> piece = at < 0 ? rest : rest[..at];
            if (piece.Length > 0)
            {
                output.Add(record with { Data = piece });
            }

            rest = at < 0 ? ReadOnlyMemory<byte>.Empty : rest[(at + _delimiter.Length)..];
        }
    }
}
