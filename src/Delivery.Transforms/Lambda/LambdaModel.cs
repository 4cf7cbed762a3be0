using System.Net;

namespace Delivery.Transforms.Lambda;

/// <summary>
/// Invokes AWS Lambda functions: the one operation of AWSSDK.Lambda's <c>IAmazonLambda</c> Delivery needs, shaped the same
/// way, so a host with that package can register an adapter instead of <see cref="LambdaInvokeClient"/>.
/// </summary>
public interface ILambdaInvoker
{
    /// <summary>
    /// Invokes the function once (no retries: the transform stage owns them). A function error is not an exception: it
    /// comes back in <see cref="InvokeResponse.FunctionError"/>. Lambda's own errors (throttling, not found, denied, 5xx)
    /// throw <see cref="AmazonLambdaException"/>.
    /// </summary>
    Task<InvokeResponse> InvokeAsync(InvokeRequest request, CancellationToken cancellationToken = default);
}

/// <summary>The arguments of an Invoke call.</summary>
public sealed class InvokeRequest
{
    /// <summary>Function name, partial ARN (<c>123456789012:function:name</c>) or full ARN, optionally with <c>:qualifier</c>.</summary>
    public required string FunctionName { get; init; }

    /// <summary>Version or alias; null for the one named in <see cref="FunctionName"/> or $LATEST.</summary>
    public string? Qualifier { get; init; }

    /// <summary><c>RequestResponse</c> (synchronous, the default), <c>Event</c> or <c>DryRun</c>.</summary>
    public string InvocationType { get; init; } = "RequestResponse";

    /// <summary>The JSON event.</summary>
    public ReadOnlyMemory<byte> Payload { get; init; }
}

/// <summary>What an Invoke call returned.</summary>
public sealed class InvokeResponse
{
    public required int StatusCode { get; init; }

    /// <summary><c>Unhandled</c> or <c>Handled</c> when the function failed; the payload then holds the error. Null on success.</summary>
    public string? FunctionError { get; init; }

    /// <summary>The version that ran.</summary>
    public string? ExecutedVersion { get; init; }

    /// <summary>The function's response, or its error object.</summary>
    public required ReadOnlyMemory<byte> Payload { get; init; }
}

/// <summary>Lambda refused or failed the call itself (not the function): throttling, a missing function, denied access, 5xx.</summary>
public sealed class AmazonLambdaException : Exception
{
    public AmazonLambdaException()
    {
        ErrorCode = "Unknown";
    }

    public AmazonLambdaException(string message)
        : base(message)
    {
        ErrorCode = "Unknown";
    }

    public AmazonLambdaException(string message, Exception innerException)
        : base(message, innerException)
    {
        ErrorCode = "Unknown";
    }

    public AmazonLambdaException(string errorCode, HttpStatusCode statusCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
        StatusCode = statusCode;
    }

    /// <summary>Lambda's error type, such as <c>TooManyRequestsException</c> or <c>ResourceNotFoundException</c>.</summary>
    public string ErrorCode { get; }

    public HttpStatusCode StatusCode { get; }

    /// <summary>True for throttling (429), which is worth retrying after a backoff.</summary>
    public bool IsThrottling => StatusCode == HttpStatusCode.TooManyRequests || ErrorCode is "TooManyRequestsException" or "ThrottlingException";
}
