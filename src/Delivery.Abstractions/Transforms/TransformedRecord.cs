namespace Delivery.Transforms;

/// <summary>The result of an in-process transform for one input record.</summary>
public sealed class TransformedRecord
{
    private static readonly IReadOnlyDictionary<string, string> NoKeys = new Dictionary<string, string>();

    private TransformedRecord(string recordId, TransformResult result, IReadOnlyList<ReadOnlyMemory<byte>> data, IReadOnlyDictionary<string, string>? partitionKeys, string? errorMessage)
    {
        ArgumentNullException.ThrowIfNull(recordId);
        RecordId = recordId;
        Result = result;
        Data = data;
        PartitionKeys = partitionKeys ?? NoKeys;
        ErrorMessage = errorMessage;
    }

    /// <summary>The <see cref="TransformRecord.RecordId"/> of the input record this result is for.</summary>
    public string RecordId { get; }

    public TransformResult Result { get; }

    /// <summary>
    /// The output records of an <see cref="TransformResult.Ok"/> result: one, or several when the transform split the
    /// input. Empty for the other results.
    /// </summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Data { get; }

    /// <summary>Keys for <c>!{partitionKeyFromLambda:name}</c> prefix expressions; empty when none are set.</summary>
    public IReadOnlyDictionary<string, string> PartitionKeys { get; }

    /// <summary>Why a <see cref="TransformResult.ProcessingFailed"/> record failed; written to the backup record.</summary>
    public string? ErrorMessage { get; }

    /// <summary>The record was transformed into <paramref name="data"/>.</summary>
    public static TransformedRecord Ok(string recordId, ReadOnlyMemory<byte> data, IReadOnlyDictionary<string, string>? partitionKeys = null) =>
        new(recordId, TransformResult.Ok, [data], partitionKeys, null);

    /// <summary>
    /// The record was transformed into several records, delivered in the given order. Something Lambda cannot do: a
    /// Lambda transform returns one data blob per record.
    /// </summary>
    public static TransformedRecord Split(string recordId, IEnumerable<ReadOnlyMemory<byte>> parts, IReadOnlyDictionary<string, string>? partitionKeys = null)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ReadOnlyMemory<byte>[] data = [.. parts];
        if (data.Length == 0)
        {
            throw new ArgumentException("A split has at least one part; return Dropped to deliver nothing.", nameof(parts));
        }

        return new(recordId, TransformResult.Ok, data, partitionKeys, null);
    }

    /// <summary>The record is dropped on purpose: neither delivered nor backed up.</summary>
    public static TransformedRecord Dropped(string recordId) => new(recordId, TransformResult.Dropped, [], null, null);

    /// <summary>The record could not be processed; the original goes to the backup bucket with <paramref name="errorMessage"/>.</summary>
    public static TransformedRecord ProcessingFailed(string recordId, string? errorMessage = null) =>
        new(recordId, TransformResult.ProcessingFailed, [], null, errorMessage);
}
