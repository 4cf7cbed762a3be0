using Delivery.Transforms;

namespace Delivery.Benchmarks.EndToEnd.Transforms;

/// <summary>
/// The transform of the transform pipelines, as a plugin and behind the HTTP receiver: each JSON object record gets one
/// more field, <c>"enriched":true</c>. Trivial on purpose, so that what the figures measure is the pipeline's cost of
/// running a transform, not the transform. Written as a careful plugin author would: one output array per invocation,
/// each result a slice of it.
/// </summary>
public sealed class AddFieldTransform : IRecordTransform
{
    private static readonly byte[] Field = ",\"enriched\":true}"u8.ToArray();

    /// <summary>Bytes the transform adds to each record.</summary>
    public static int Growth => Field.Length - 1;

    public ValueTask<IReadOnlyList<TransformedRecord>> TransformAsync(TransformInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        IReadOnlyList<TransformRecord> records = invocation.Records;
        long total = 0;
        foreach (TransformRecord record in records)
        {
            total += record.Data.Length + Growth;
        }

        byte[] output = GC.AllocateUninitializedArray<byte>(checked((int)total));
        var results = new TransformedRecord[records.Count];
        int offset = 0;
        for (int i = 0; i < results.Length; i++)
        {
            TransformRecord record = records[i];
            int written = Apply(record.Data.Span, output.AsSpan(offset));
            results[i] = written < 0
                ? TransformedRecord.ProcessingFailed(record.RecordId, "not a JSON object")
                : TransformedRecord.Ok(record.RecordId, output.AsMemory(offset, written));
            offset += Math.Max(0, written);
        }

        return ValueTask.FromResult<IReadOnlyList<TransformedRecord>>(results);
    }

    /// <summary>Writes the enriched record to <paramref name="destination"/>; returns its length, or -1 when it is not a JSON object.</summary>
    public static int Apply(ReadOnlySpan<byte> record, Span<byte> destination)
    {
        int end = record.LastIndexOf((byte)'}');
        if (end < 1 || record[0] != (byte)'{')
        {
            return -1;
        }

        // An empty object takes the field without a comma.
        bool empty = record[1..end].Trim(" \t\r\n"u8).IsEmpty;
        ReadOnlySpan<byte> field = empty ? Field.AsSpan(1) : Field;
        record[..end].CopyTo(destination);
        field.CopyTo(destination[end..]);
        return end + field.Length;
    }
}
