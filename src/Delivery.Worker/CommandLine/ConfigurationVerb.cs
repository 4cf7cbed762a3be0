using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Delivery.Worker.Configuration;
using Microsoft.Extensions.Configuration;

namespace Delivery.Worker.CommandLine;

/// <summary><c>validate</c> and <c>describe</c>: the configuration the worker would run with, checked or printed.</summary>
internal static class ConfigurationVerb
{
    public static int Validate(IConfiguration configuration, TextWriter output)
    {
        if (!TryLoad(configuration, output, out DeliveryOptions? options))
        {
            return 2;
        }

        output.WriteLine($"The Delivery configuration is valid: {options.Pipelines.Count} pipeline(s): {string.Join(", ", options.Pipelines.Keys)}.");
        return 0;
    }

    /// <summary>
    /// Prints the effective configuration as JSON under <c>Delivery</c>: every setting with its value or default, lease
    /// and plan table names resolved, secret values hidden. The output is itself a valid configuration file.
    /// </summary>
    public static int Describe(IConfiguration configuration, TextWriter output)
    {
        if (!TryLoad(configuration, output, out DeliveryOptions? options))
        {
            return 2;
        }

        foreach ((string name, PipelineOptions pipeline) in options.Pipelines)
        {
            pipeline.Kinesis.Leases.TableName = DeliveryOptionsRules.LeaseTableName(name, pipeline);
            pipeline.Kinesis.Leases.PlanTableName = DeliveryOptionsRules.PlanTableName(name, pipeline);
        }

        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WritePropertyName(DeliveryOptions.SectionName);
            WriteObject(json, options);
            json.WriteEndObject();
        }

        output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        return 0;
    }

    private static bool TryLoad(IConfiguration configuration, TextWriter output, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DeliveryOptions? options)
    {
        try
        {
            options = DeliveryOptionsLoader.Load(configuration);
            return true;
        }
        catch (InvalidDeliveryConfigurationException ex)
        {
            output.WriteLine(ex.Message);
            options = null;
            return false;
        }
    }

    private static void WriteObject(Utf8JsonWriter json, object value)
    {
        json.WriteStartObject();
        foreach (PropertyInfo property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            // Only settings: what configuration can set (derived read-only values are not keys).
            if (property.SetMethod is null || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            // An unset optional setting is left out: written as null it would read back as an empty value.
            if (property.GetValue(value) is { } item)
            {
                json.WritePropertyName(property.Name);
                WriteValue(json, property.Name, item);
            }
        }

        json.WriteEndObject();
    }

    /// <summary>Writes the value of the setting (or entry, or list item of the setting) <paramref name="name"/>, its secrets hidden.</summary>
    private static void WriteValue(Utf8JsonWriter json, string name, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case not string and not Uri when ConfigurationTypes.IsScalar(value.GetType()) && SecretSettings.IsSecret(name):
                json.WriteStringValue(SecretSettings.Hidden);
                break;
            case bool flag:
                json.WriteBooleanValue(flag);
                break;
            case int or long or short or byte or double or float or decimal:
                json.WriteRawValue(Convert.ToString(value, CultureInfo.InvariantCulture)!);
                break;
            case DateTimeOffset time:
                json.WriteStringValue(time.ToString("O", CultureInfo.InvariantCulture));
                break;
            case Uri url:
                json.WriteStringValue(SecretSettings.Redact(name, url));
                break;
            case string text:
                json.WriteStringValue(SecretSettings.Redact(name, text));
                break;
            case Enum or TimeSpan or Guid:
                json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
            case IDictionary dictionary:
                json.WriteStartObject();
                foreach (DictionaryEntry entry in dictionary)
                {
                    string key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture)!;
                    json.WritePropertyName(key);
                    WriteValue(json, key, entry.Value);
                }

                json.WriteEndObject();
                break;
            case IEnumerable sequence:
                json.WriteStartArray();
                foreach (object? item in sequence)
                {
                    WriteValue(json, name, item);
                }

                json.WriteEndArray();
                break;
            default:
                if (ConfigurationTypes.IsScalar(value.GetType()))
                {
                    json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                }
                else
                {
                    WriteObject(json, value);
                }

                break;
        }
    }
}
