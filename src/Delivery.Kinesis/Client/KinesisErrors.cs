using System.Net;
using System.Text.Json;

namespace Delivery.Kinesis.Client;

/// <summary>Turns Kinesis error answers and transport failures into the <see cref="AmazonKinesisException"/> taxonomy.</summary>
internal static class KinesisErrors
{
    public const string TimeoutCode = "Kinesis.Timeout";
    public const string NetworkErrorCode = "Kinesis.NetworkError";
    public const string InvalidResponseCode = "Kinesis.InvalidResponse";

    // Throttling codes other than the two modelled types that the SDK's standard retry mode also retries.
    private static readonly HashSet<string> OtherThrottlingCodes = new(StringComparer.Ordinal)
    {
        "ThrottlingException", "Throttling", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "RequestLimitExceeded", "RequestThrottled", "KMSThrottlingException", "RequestTimeout", "RequestTimeoutException",
    };

    /// <summary>Whether the client retries the failure itself (throttling, 5xx, network, timeout).</summary>
    public static bool IsRetriedByClient(Exception exception) => exception switch
    {
        ProvisionedThroughputExceededException or LimitExceededException => true,
        ExpiredIteratorException or ResourceNotFoundException or InvalidArgumentException or ResourceInUseException => false,
        AmazonKinesisException other => (int)other.StatusCode >= 500
            || other.ErrorCode is TimeoutCode or NetworkErrorCode
            || OtherThrottlingCodes.Contains(other.ErrorCode),
        _ => false,
    };

    /// <summary>Maps an error answer; <paramref name="streamName"/> names the stream in not-found messages when known.</summary>
    public static AmazonKinesisException FromResponse(string operation, HttpStatusCode status, ReadOnlySpan<byte> body, string? errorTypeHeader, string? streamName)
    {
        (string? type, string? message) = ParseBody(body);
        string code = ShortCode(type ?? errorTypeHeader) ?? $"Http{(int)status}";
        message = string.IsNullOrWhiteSpace(message) ? $"{operation} failed with HTTP {(int)status} {code}." : message;

        return code switch
        {
            "ProvisionedThroughputExceededException" => new ProvisionedThroughputExceededException(message),
            "ExpiredIteratorException" => new ExpiredIteratorException(message),
            "ResourceNotFoundException" => new ResourceNotFoundException(streamName is null
                ? $"Kinesis {operation}: {message}"
                : $"Kinesis stream '{streamName}' was not found ({operation}): {message}"),
            "InvalidArgumentException" => new InvalidArgumentException($"Kinesis {operation}: {message}"),
            "LimitExceededException" => new LimitExceededException(message),
            "ResourceInUseException" => new ResourceInUseException(message),
            _ => new AmazonKinesisException(
                $"Kinesis {operation} failed with {code} (HTTP {(int)status}): {message}",
                (int)status >= 500 || OtherThrottlingCodes.Contains(code) ? FailureKind.Retryable : FailureKind.Permanent,
                code,
                status),
        };
    }

    public static AmazonKinesisException Timeout(string operation, TimeSpan timeout, Exception inner) =>
        new($"Kinesis {operation} did not answer within {timeout.TotalSeconds:0.###} s.", FailureKind.Retryable, TimeoutCode, HttpStatusCode.RequestTimeout, inner);

    public static AmazonKinesisException Network(string operation, Uri endpoint, Exception inner) =>
        new($"Kinesis {operation} to {endpoint} failed: {inner.Message}", FailureKind.Retryable, NetworkErrorCode, HttpStatusCode.ServiceUnavailable, inner);

    /// <summary>A 2xx answer that is not the expected JSON; not retried by the client, since the same call would get it again.</summary>
    public static AmazonKinesisException InvalidResponse(string operation, JsonException inner) =>
        new($"Kinesis {operation} returned a response that could not be read: {inner.Message}", FailureKind.Retryable, InvalidResponseCode, HttpStatusCode.OK, inner);

    /// <summary>
    /// <c>__type</c> may be the bare name or <c>namespace#Name</c>; the <c>x-amzn-ErrorType</c> header may append
    /// <c>:http://...</c>.
    /// </summary>
    internal static string? ShortCode(string? type)
    {
        if (string.IsNullOrWhiteSpace(type))
        {
            return null;
        }

        ReadOnlySpan<char> code = type.AsSpan();
        int hash = code.LastIndexOf('#');
        if (hash >= 0)
        {
            code = code[(hash + 1)..];
        }

        int colon = code.IndexOf(':');
        if (colon >= 0)
        {
            code = code[..colon];
        }

        code = code.Trim();
        return code.IsEmpty ? null : code.ToString();
    }

    private static (string? Type, string? Message) ParseBody(ReadOnlySpan<byte> body)
    {
        string? type = null;
        string? message = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (null, null);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("__type"u8))
                {
                    reader.Read();
                    type = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("message"u8) || reader.ValueTextEquals("Message"u8))
                {
                    reader.Read();
                    message = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // A proxy or load balancer may answer with HTML; the status code and header still classify it.
        }

        return (type, message);
    }
}
