namespace Delivery.Transforms.Contract;

/// <summary>
/// A whole invocation of a transform failed (throttled, timed out, function error, unreadable response). The stage
/// retries it up to the processor's <c>NumberOfRetries</c>; then every record of it fails with <see cref="ErrorCode"/>.
/// </summary>
public sealed class TransformInvocationException : Exception
{
    public TransformInvocationException()
        : this("Transform.Error", "The transform invocation failed.")
    {
    }

    public TransformInvocationException(string message)
        : this("Transform.Error", message)
    {
    }

    public TransformInvocationException(string message, Exception innerException)
        : this("Transform.Error", message, innerException)
    {
    }

    public TransformInvocationException(string errorCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
    }

    /// <summary>The code the invocation's records fail with if no retry succeeds, such as <c>Lambda.FunctionError</c>.</summary>
    public string ErrorCode { get; }
}
