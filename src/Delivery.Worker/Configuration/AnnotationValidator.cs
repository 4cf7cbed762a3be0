using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;

namespace Delivery.Worker.Configuration;

/// <summary>
/// Applies the DataAnnotations of an options object and of every object below it, reporting each failure with the
/// configuration key path, the value found and the rule it broke.
/// </summary>
internal static class AnnotationValidator
{
    public static void Validate(object options, string path, List<ConfigurationValidationError> errors)
    {
        foreach (PropertyInfo property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.SetMethod is null)
            {
                continue;
            }

            object? value = property.GetValue(options);
            string keyPath = path + ":" + property.Name;
            var results = new List<ValidationResult>();
            var context = new ValidationContext(options) { MemberName = property.Name, DisplayName = property.Name };
            if (!Validator.TryValidateProperty(value, context, results))
            {
                foreach (ValidationResult result in results)
                {
                    errors.Add(new ConfigurationValidationError(keyPath, $"value {Describe(property.Name, value)} is invalid: {result.ErrorMessage}"));
                }

                continue;
            }

            switch (value)
            {
                case null or string or Uri:
                    break;
                case IDictionary dictionary:
                    foreach (DictionaryEntry entry in dictionary)
                    {
                        if (entry.Value is { } item && !ConfigurationTypes.IsScalar(item.GetType()))
                        {
                            Validate(item, keyPath + ":" + entry.Key, errors);
                        }
                    }

                    break;
                case IEnumerable sequence:
                    int index = 0;
                    foreach (object? item in sequence)
                    {
                        if (item is not null && !ConfigurationTypes.IsScalar(item.GetType()))
                        {
                            Validate(item, keyPath + ":" + index.ToString(CultureInfo.InvariantCulture), errors);
                        }

                        index++;
                    }

                    break;
                default:
                    if (!ConfigurationTypes.IsScalar(value.GetType()))
                    {
                        Validate(value, keyPath, errors);
                    }

                    break;
            }
        }

        if (options is IValidatableObject validatable)
        {
            foreach (ValidationResult result in validatable.Validate(new ValidationContext(options)))
            {
                string member = result.MemberNames.FirstOrDefault() is { } name ? ":" + name : "";
                errors.Add(new ConfigurationValidationError(path + member, result.ErrorMessage ?? "is invalid."));
            }
        }
    }

    // Values of secret settings never reach an error message (or a log that prints it).
    private static string Describe(string name, object? value) => value switch
    {
        null => "(missing)",
        _ when SecretSettings.IsSecret(name) => SecretSettings.Hidden,
        string text => $"'{SecretSettings.Redact(name, text)}'",
        Uri url => $"'{SecretSettings.Redact(name, url)}'",
        ICollection collection => $"({collection.Count} items)",
        IFormattable formattable => $"'{formattable.ToString(null, CultureInfo.InvariantCulture)}'",
        _ => $"'{value}'",
    };
}
