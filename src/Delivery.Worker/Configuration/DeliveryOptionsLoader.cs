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

            // The binder skips a dictionary entry whose value fails to convert, which would make a pipeline vanish
            // without a word; binding each pipeline on its own makes the failure surface with its key.
            options.Pipelines.Clear();
            foreach (IConfigurationSection pipelineSection in section.GetSection(nameof(DeliveryOptions.Pipelines)).GetChildren())
            {
                var pipeline = new PipelineOptions();
                pipelineSection.Bind(pipeline);
                BindProcessors(pipelineSection, pipeline);
                options.Pipelines[pipelineSection.Key] = pipeline;
            }
        }
        catch (InvalidOperationException ex)
        {
            // The binder wraps the failure of a nested value in the failure of its container: the innermost names the key.
            Match at = Match.Empty;
            for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
            {
                Match candidate = KeyInBinderMessage().Match(inner.Message);
                at = candidate.Success ? candidate : at;
            }

            string value = at.Success ? configuration[at.Groups[1].Value] ?? "" : "";
            errors.Add(at.Success
                ? new ConfigurationValidationError(at.Groups[1].Value, $"value '{value}' cannot be read as {FriendlyType(at.Groups[2].Value)}.")
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

    // List elements are dropped like dictionary entries when a value fails to convert: a processor with a misspelt type
    // would vanish from the chain. Binding each one on its own makes the failure surface with its key.
    private static void BindProcessors(IConfigurationSection pipelineSection, PipelineOptions pipeline)
    {
        if (pipeline.Processing is null)
        {
            return;
        }

        pipeline.Processing.Processors.Clear();
        foreach (IConfigurationSection processorSection in pipelineSection.GetSection("Processing:Processors").GetChildren())
        {
            var processor = new Delivery.Transforms.Processing.ProcessorOptions();
            processorSection.Bind(processor);
            pipeline.Processing.Processors.Add(processor);
        }
    }

    private static string FriendlyType(string typeName)
    {
        Type? type = Type.GetType(typeName) ?? AppDomain.CurrentDomain.GetAssemblies().Select(assembly => assembly.GetType(typeName)).FirstOrDefault(found => found is not null);
        Type? target = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return target switch
        {
            { IsEnum: true } => $"one of {string.Join(", ", Enum.GetNames(target))}",
            null => typeName,
            _ when target == typeof(int) || target == typeof(long) => "a whole number",
            _ when target == typeof(bool) => "true or false",
            _ when target == typeof(DateTimeOffset) => "a time (ISO 8601, e.g. 2026-01-31T00:00:00Z)",
            _ when target == typeof(Uri) => "a URL",
            _ => target.Name,
        };
    }

    [GeneratedRegex("at '([^']+)' to type '([^']+)'")]
    private static partial Regex KeyInBinderMessage();
}
