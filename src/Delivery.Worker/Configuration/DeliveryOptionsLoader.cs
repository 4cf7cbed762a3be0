using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Delivery.Worker.Configuration;

/// <summary>
/// Binds and validates the <c>Delivery</c> section before anything starts: unknown keys, values that do not convert,
/// values out of range and rules across settings are all reported together, each with its key path.
/// </summary>
public static partial class DeliveryOptionsLoader
{
    /// <summary>Returns the validated options or throws <see cref="InvalidDeliveryConfigurationException"/>.</summary>
    public static DeliveryOptions Load(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var errors = new List<ConfigurationValidationError>();
        IConfigurationSection section = configuration.GetSection(DeliveryOptions.SectionName);
        if (!section.Exists())
        {
            throw new InvalidDeliveryConfigurationException([new(DeliveryOptions.SectionName, "is missing: configure at least one pipeline under Delivery:Pipelines.")]);
        }

        UnknownKeyChecker.Check(section, typeof(DeliveryOptions), errors);
        var options = new DeliveryOptions();
        try
        {
            section.Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            Match at = KeyInBinderMessage().Match(ex.Message);
            string value = at.Success ? configuration[at.Groups[1].Value] ?? "" : "";
            errors.Add(at.Success
                ? new ConfigurationValidationError(at.Groups[1].Value, $"value '{value}' cannot be read as {at.Groups[2].Value}.")
                : new ConfigurationValidationError(DeliveryOptions.SectionName, ex.Message));
            throw new InvalidDeliveryConfigurationException(errors);
        }

        AnnotationValidator.Validate(options, DeliveryOptions.SectionName, errors);
        DeliveryOptionsRules.Validate(options, errors);
        if (errors.Count > 0)
        {
            throw new InvalidDeliveryConfigurationException(errors);
        }

        return options;
    }

    [GeneratedRegex("at '([^']+)' to type '([^']+)'")]
    private static partial Regex KeyInBinderMessage();
}
