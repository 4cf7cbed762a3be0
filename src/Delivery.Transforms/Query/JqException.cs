namespace Delivery.Transforms.Query;

/// <summary>A metadata-extraction query that cannot be parsed, or a value a step cannot be applied to.</summary>
public sealed class JqException : Exception
{
    public JqException()
    {
    }

    public JqException(string message)
        : base(message)
    {
    }

    public JqException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
