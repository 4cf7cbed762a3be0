namespace Delivery.Worker.Configuration;

/// <summary>One problem in the configuration, located by its key path (as in appsettings.json, ':'-separated).</summary>
public sealed record ConfigurationValidationError(string KeyPath, string Problem)
{
    public override string ToString() => $"{KeyPath}: {Problem}";
}

/// <summary>Thrown when the configuration is invalid; lists every problem found.</summary>
public sealed class InvalidDeliveryConfigurationException : Exception
{
    public InvalidDeliveryConfigurationException()
        : this([])
    {
    }

    public InvalidDeliveryConfigurationException(string message)
        : base(message)
    {
        Errors = [new ConfigurationValidationError("Delivery", message)];
    }

    public InvalidDeliveryConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new ConfigurationValidationError("Delivery", message)];
    }

    public InvalidDeliveryConfigurationException(IReadOnlyList<ConfigurationValidationError> errors)
        : base("The Delivery configuration is invalid:" + string.Concat(errors.Select(error => Environment.NewLine + "  " + error)))
    {
        Errors = errors;
    }

    public IReadOnlyList<ConfigurationValidationError> Errors { get; }
}
