using Delivery.Transforms.Processing;

namespace Delivery.Transforms.BuiltIn;

/// <summary>
/// Firehose's <c>AppendDelimiterToRecord</c>: adds a delimiter to the end of every record. The output of a whole batch
/// goes into one array, one allocation instead of one per record.
/// </summary>
public sealed class AppendDelimiterStage : IProcessingStage
{
    private readonly byte[] _delimiter;

    public AppendDelimiterStage(byte[] delimiter)
    {
        ArgumentNullException.ThrowIfNull(delimiter);
        _delimiter = delimiter;
    }

    public string Name => "AppendDelimiterToRecord";

    public ValueTask<IReadOnlyList<ChainRecord>> ProcessAsync(ProcessingRun run, IReadOnlyList<ChainRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        long total = 0;
        foreach (ChainRecord record in records)
        {
            total += record.Data.Length + _delimiter.Length;
        }

        // One array holds at most 2 GiB; a larger batch (rare: batches are at most 128 MiB) takes one per record.
        byte[]? shared = total <= Array.MaxLength ? new byte[total] : null;
        int offset = 0;
        var output = new ChainRecord[records.Count];
        for (int i = 0; i < output.Length; i++)
        {
            ChainRecord record = records[i];
            int length = record.Data.Length + _delimiter.Length;
            Memory<byte> target = shared is null ? new byte[length] : shared.AsMemory(offset, length);
            record.Data.Span.CopyTo(target.Span);
            _delimiter.CopyTo(target.Span[record.Data.Length..]);
            output[i] = record with { Data = target };
            offset += shared is null ? 0 : length;
        }

        return ValueTask.FromResult<IReadOnlyList<ChainRecord>>(output);
    }
}
