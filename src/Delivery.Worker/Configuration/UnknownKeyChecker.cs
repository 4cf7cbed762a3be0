using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Delivery.Worker.Configuration;

/// <summary>
/// Finds configuration keys that bind to nothing, such as a misspelt option, which would otherwise be ignored and
/// leave a default in place without a word.
/// </summary>
internal static class UnknownKeyChecker
{
    public static void Check(IConfigurationSection section, Type type, List<ConfigurationValidationError> errors)
    {
        foreach (IConfigurationSection child in section.GetChildren())
        {
            PropertyInfo? property = type.GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || property.SetMethod is null)
            {
                string known = string.Join(", ", type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null).Select(p => p.Name));
                errors.Add(new ConfigurationValidationError(child.Path, $"is not a known setting. Known settings here: {known}."));
                continue;
            }

            CheckValue(child, property.PropertyType, errors);
        }
    }

    private static void CheckValue(IConfigurationSection section, Type type, List<ConfigurationValidationError> errors)
    {
        Type target = Nullable.GetUnderlyingType(type) ?? type;
        if (ConfigurationTypes.IsScalar(target))
        {
            if (section.GetChildren().Any())
            {
                errors.Add(new ConfigurationValidationError(section.Path, $"takes a single value ({target.Name}), not nested settings."));
            }
            else if (!CanConvert(section.Value, target))
            {
                errors.Add(new ConfigurationValidationError(section.Path, $"value '{section.Value}' cannot be read as {DeliveryOptionsLoader.FriendlyType(target.FullName!)}."));
            }

            return;
        }

        Type? elementType = DictionaryValueType(target) ?? EnumerableElementType(target);
        if (elementType is not null)
        {
            foreach (IConfigurationSection entry in section.GetChildren())
            {
                CheckValue(entry, elementType, errors);
            }

            return;
        }

        Check(section, target, errors);
    }

    // The binder's own conversion (a TypeConverter from the invariant string), tried up front so that every value that
    // does not convert is reported at once instead of the binder stopping at the first.
    private static bool CanConvert(string? value, Type target)
    {
        if (string.IsNullOrEmpty(value) || target == typeof(string))
        {
            return true;
        }

        try
        {
            System.ComponentModel.TypeDescriptor.GetConverter(target).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException or OverflowException or UriFormatException)
        {
            return false;
        }
    }

    private static Type? DictionaryValueType(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() is var definition
        && (definition == typeof(Dictionary<,>) || definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>))
            ? type.GetGenericArguments()[1]
            : null;

    private static Type? EnumerableElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        return type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[0] : null;
    }
}
