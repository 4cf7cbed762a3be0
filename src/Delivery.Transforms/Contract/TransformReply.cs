namespace Delivery.Transforms.Contract;

/// <summary>
/// One result of a transform, as read from a response or returned by a plugin. When the result could not be read (bad
/// base64, an unknown result value) <see cref="ErrorCode"/> says why and the record fails with it.
/// </summary>
public readonly record struct TransformReply(
    string RecordId,
    TransformResult Result,
    IReadOnlyList<ReadOnlyMemory<byte>> Data,
    IReadOnlyDictionary<string, string>? PartitionKeys,
    string? ErrorMessage = null,
    string? ErrorCode = null)
{
    /// <summary>A result for <paramref name="recordId"/> that could not be read.</summary>
    public static TransformReply Invalid(string recordId, string errorCode, string errorMessage) =>
        new(recordId, TransformResult.ProcessingFailed, [], null, errorMessage, errorCode);
}
