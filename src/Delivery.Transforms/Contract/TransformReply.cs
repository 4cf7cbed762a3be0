using System.Globalization;

namespace Delivery.Transforms.Contract;

/// <summary>
/// One result of a transform, as read from a response or returned by a plugin. When the result could not be read (bad
/// base64, an unknown result value) <see cref="ErrorCode"/> says why and the record fails with it.
/// </summary>
/// <param name="RecordIndex">
/// The recordId as Delivery writes them, the record's index in the invocation; -1 for an id Delivery never writes
/// ("007", "x"), which matches no record.
/// </param>
/// <param name="Result">Ok, Dropped or ProcessingFailed.</param>
/// <param name="Data">An Ok result's data (see <see cref="Split"/> for a plugin's split).</param>
/// <param name="PartitionKeys">Keys for dynamic partitioning; null when none.</param>
/// <param name="ErrorMessage">Why the result could not be read, or a ProcessingFailed result's message.</param>
/// <param name="ErrorCode">Set when the result could not be read.</param>
public readonly record struct TransformReply(
    int RecordIndex,
    TransformResult Result,
    ReadOnlyMemory<byte> Data,
    IReadOnlyDictionary<string, string>? PartitionKeys,
    string? ErrorMessage = null,
    string? ErrorCode = null)
{
    /// <summary>
    /// The records an Ok result became when they are not exactly one (a plugin may split a record or return none); then
    /// <see cref="Data"/> is not used. Null for one record, which is every Lambda and HTTP result.
    /// </summary>
    public IReadOnlyList<ReadOnlyMemory<byte>>? Split { get; init; }

    /// <summary>A result for record <paramref name="recordIndex"/> that could not be read.</summary>
    public static TransformReply Invalid(int recordIndex, string errorCode, string errorMessage) =>
        new(recordIndex, TransformResult.ProcessingFailed, default, null, errorMessage, errorCode);

    /// <summary>
    /// The record index a recordId names: only the exact text Delivery sent counts, so "007" or "+7" is not record 7.
    /// -1 when it names none.
    /// </summary>
    public static int ParseRecordId(ReadOnlySpan<char> recordId) =>
        int.TryParse(recordId, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && (recordId.Length == 1 || recordId[0] != '0') ? index : -1;

    /// <inheritdoc cref="ParseRecordId(ReadOnlySpan{char})"/>
    public static int ParseRecordId(ReadOnlySpan<byte> recordId)
    {
        if (recordId.IsEmpty || recordId.Length > 10 || (recordId.Length > 1 && recordId[0] == '0'))
        {
            return -1;
        }

        long index = 0;
        foreach (byte digit in recordId)
        {
            if ((uint)(digit - '0') > 9)
            {
                return -1;
            }

            index = (index * 10) + (digit - '0');
        }

        return index <= int.MaxValue ? (int)index : -1;
    }
}
