using System.Net;

namespace Delivery.Kinesis.Client;

/// <summary>An error answer from Kinesis, named after the SDK's exception types.</summary>
public class AmazonKinesisException : DeliveryException
{
    public AmazonKinesisException()
        : this("Kinesis request failed.")
    {
    }

    public AmazonKinesisException(string message)
        : this(message, FailureKind.Retryable, "Kinesis.Error", HttpStatusCode.InternalServerError)
    {
    }

    public AmazonKinesisException(string message, Exception innerException)
        : this(message, FailureKind.Retryable, "Kinesis.Error", HttpStatusCode.InternalServerError, innerException)
    {
    }

    public AmazonKinesisException(string message, FailureKind kind, string errorCode, HttpStatusCode statusCode, Exception? innerException = null)
        : base(kind, errorCode, message, innerException)
    {
        StatusCode = statusCode;
    }

    public HttpStatusCode StatusCode { get; }
}

/// <summary>Read or write throughput of a shard was exceeded; retried with backoff.</summary>
public sealed class ProvisionedThroughputExceededException(string message)
    : AmazonKinesisException(message, FailureKind.Retryable, "ProvisionedThroughputExceededException", HttpStatusCode.BadRequest);

/// <summary>A shard iterator is older than five minutes; the reader re-opens the shard where it stood.</summary>
public sealed class ExpiredIteratorException(string message)
    : AmazonKinesisException(message, FailureKind.Retryable, "ExpiredIteratorException", HttpStatusCode.BadRequest);

/// <summary>The stream or shard does not exist; fatal for the pipeline that names it.</summary>
public sealed class ResourceNotFoundException(string message)
    : AmazonKinesisException(message, FailureKind.Permanent, "ResourceNotFoundException", HttpStatusCode.BadRequest);

/// <summary>The request was malformed or named an impossible position; permanent.</summary>
public sealed class InvalidArgumentException(string message)
    : AmazonKinesisException(message, FailureKind.Permanent, "InvalidArgumentException", HttpStatusCode.BadRequest);

/// <summary>Too many control-plane requests (ListShards, DescribeStreamSummary) or shards; retried with backoff.</summary>
public sealed class LimitExceededException(string message)
    : AmazonKinesisException(message, FailureKind.Retryable, "LimitExceededException", HttpStatusCode.BadRequest);

/// <summary>The stream is not ACTIVE for this operation (creating, updating, deleting).</summary>
public sealed class ResourceInUseException(string message)
    : AmazonKinesisException(message, FailureKind.Retryable, "ResourceInUseException", HttpStatusCode.BadRequest);
