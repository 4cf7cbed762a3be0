using System.Globalization;

namespace Delivery.DirectPut.Protocol;

/// <summary>
/// An error answer of the Firehose API: the HTTP status and the JSON body <c>{"__type": ..., "message": ...}</c> that the
/// AWS SDKs turn into their exception types (botocore's <c>ClientError</c> code, the Java SDK's
/// <c>ResourceNotFoundException</c> ...). Status 500 (<see cref="ServiceUnavailable"/>) is what the SDKs retry.
/// </summary>
public sealed record FirehoseError(string Type, int StatusCode, string Message)
{
    public const string ResourceNotFoundType = "ResourceNotFoundException";
    public const string InvalidArgumentType = "InvalidArgumentException";
    public const string ServiceUnavailableType = "ServiceUnavailableException";
    public const string SerializationType = "SerializationException";
    public const string UnknownOperationType = "UnknownOperationException";
    public const string MissingAuthenticationTokenType = "MissingAuthenticationTokenException";
    public const string IncompleteSignatureType = "IncompleteSignatureException";
    public const string InvalidSignatureType = "InvalidSignatureException";
    public const string UnrecognizedClientType = "UnrecognizedClientException";

    /// <summary>No delivery stream of that name (Firehose's wording).</summary>
    public static FirehoseError ResourceNotFound(string name, string accountId) =>
        new(ResourceNotFoundType, 400, $"Firehose stream {name} under account {accountId} not found.");

    /// <summary>A value breaks a rule of the API (a limit, a pattern, a missing member).</summary>
    public static FirehoseError InvalidArgument(string message) => new(InvalidArgumentType, 400, message);

    /// <summary>Try again later: the call stored nothing (throttled, over capacity, Kinesis unavailable).</summary>
    public static FirehoseError ServiceUnavailable(string message) => new(ServiceUnavailableType, 500, message);

    /// <summary>The body is not the JSON the operation takes.</summary>
    public static FirehoseError Serialization(string message) => new(SerializationType, 400, message);

    /// <summary>The X-Amz-Target names no operation this endpoint serves.</summary>
    public static FirehoseError UnknownOperation(string? target) =>
        new(UnknownOperationType, 400, target is null
            ? "The request has no X-Amz-Target header naming the operation (Firehose_20150804.PutRecordBatch, for example)."
            : $"Operation '{target}' is not served here: Direct PUT serves {string.Join(", ", FirehoseProtocol.Operations.Select(op => FirehoseProtocol.TargetPrefix + op))}.");

    /// <summary>
    /// A Coral-style constraint message: <c>1 validation error detected: Value at 'records' failed to satisfy
    /// constraint: Member must have length less than or equal to 500</c>.
    /// </summary>
    public static FirehoseError Constraint(string member, string constraint, string? detail = null) =>
        InvalidArgument($"1 validation error detected: Value at '{member}' failed to satisfy constraint: Member {constraint}{(detail is null ? "" : $" ({detail})")}");

    /// <summary>A member that must be present is missing or null.</summary>
    public static FirehoseError Missing(string member) =>
        InvalidArgument($"1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null");

    /// <summary>A number for a message, with thousands separators.</summary>
    internal static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>Thrown while handling a request to answer it with <see cref="Error"/>.</summary>
/// <param name="error">The answer.</param>
/// <param name="throttled">True when the call was refused for throughput (counted as ThrottledRecords).</param>
/// <param name="innerException">What caused it, if anything.</param>
public sealed class FirehoseProtocolException(FirehoseError error, bool throttled = false, Exception? innerException = null)
    : Exception(error?.Message, innerException)
{
    public FirehoseError Error { get; } = error ?? throw new ArgumentNullException(nameof(error));

    /// <summary>True when the call was refused for throughput: the stream's shards, or this listener's capacity.</summary>
    public bool Throttled { get; } = throttled;
}
