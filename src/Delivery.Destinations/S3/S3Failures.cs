using System.Net;
using Amazon.Runtime;

namespace Delivery.Destinations.S3;

/// <summary>
/// Turns what the AWS SDK throws into the pipeline's taxonomy. The SDK has already retried a call when its exception
/// reaches us, so this only decides whether the batch is worth another attempt later, and names the failure with a
/// Firehose-style code ("S3." + the S3 error code) that operators can search for.
/// </summary>
internal static class S3Failures
{
    // 4xx codes that clear up on their own: the SDK refreshes credentials and corrects clock skew, conflicts pass.
    private static readonly HashSet<string> TransientClientErrors = new(StringComparer.Ordinal)
    {
        "SlowDown", "RequestTimeout", "RequestTimeTooSkewed", "ExpiredToken", "OperationAborted", "Throttling", "ThrottlingException",
    };

    /// <summary>The failure for <paramref name="exception"/>, or null when it is not an S3 or transport failure (a bug, or cancellation).</summary>
    public static DeliveryException? Classify(Exception exception, string operation, string bucket, string key) => exception switch
    {
        AmazonServiceException service => FromService(service, operation, bucket, key),
        AmazonClientException or HttpRequestException or IOException => Create(FailureKind.Retryable, "S3.NetworkError", operation, bucket, key, exception),

        // HttpClient reports its own timeout as a cancellation; the caller only gets here when its token was not cancelled.
        TimeoutException or TaskCanceledException => Create(FailureKind.Retryable, "S3.RequestTimeout", operation, bucket, key, exception),
        _ => null,
    };

    private static DeliveryException FromService(AmazonServiceException exception, string operation, string bucket, string key)
    {
        int status = (int)exception.StatusCode;
        string code = string.IsNullOrEmpty(exception.ErrorCode) ? "HttpStatus" + status.ToString(System.Globalization.CultureInfo.InvariantCulture) : exception.ErrorCode;
        bool retryable = status >= 500 || exception.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout ||
            TransientClientErrors.Contains(code) || status == 0;
        return Create(retryable ? FailureKind.Retryable : FailureKind.Permanent, "S3." + code, operation, bucket, key, exception);
    }

    private static DeliveryException Create(FailureKind kind, string code, string operation, string bucket, string key, Exception inner) =>
        new(kind, code, $"S3 {operation} of s3://{bucket}/{key} failed ({code}): {inner.Message}", inner);
}
