namespace Delivery;

/// <summary>How the pipeline should treat a failure.</summary>
public enum FailureKind
{
    /// <summary>Try the same work again after a backoff.</summary>
    Retryable,

    /// <summary>Trying again cannot help; the work goes to the backup bucket or stops the pipeline with a clear message.</summary>
    Permanent,
}

/// <summary>A failure with its kind and a Firehose-style error code.</summary>
public class DeliveryException : Exception
{
    public DeliveryException(string message)
        : this(FailureKind.Retryable, "Delivery.Error", message)
    {
    }

    public DeliveryException(string message, Exception innerException)
        : this(FailureKind.Retryable, "Delivery.Error", message, innerException)
    {
    }

    public DeliveryException()
        : this("Delivery failed.")
    {
    }

    public DeliveryException(FailureKind kind, string errorCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        ErrorCode = errorCode;
    }

    public FailureKind Kind { get; }

    public string ErrorCode { get; }
}
