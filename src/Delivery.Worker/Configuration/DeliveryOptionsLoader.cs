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
    /// <param name="configuration">The configuration, with the <c>Delivery</c> section.</param>
    /// <param name="environment">Reads an environment variable (secrets a setting names); the process's when null.</param>
    public static DeliveryOptions Load(IConfiguration configuration, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var errors = new List<ConfigurationValidationError>();
        IConfigurationSection section = configuration.GetSection(DeliveryOptions.SectionName);
        if (!section.Exists())
        {
            throw new InvalidDeliveryConfigurationException([new(DeliveryOptions.SectionName, "is missing: configure at least one pipeline under Delivery:Pipelines.")]);
        }

        UnknownKeyChecker.Check(section, typeof(DeliveryOptions), errors);
        HashSet<string> reportedUpFront = new(errors.Select(error => error.KeyPath), StringComparer.OrdinalIgnoreCase);
        int upFront = errors.Count;
        section = WithoutKeys(section, errors);
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
            throw new InvalidDeliveryConfigurationException(SecretSettings.Scrub(errors, configuration.GetSection(DeliveryOptions.SectionName)));
        }

        AnnotationValidator.Validate(options, DeliveryOptions.SectionName, errors);
        DeliveryOptionsRules.Validate(options, errors);
        DirectPutRules.Validate(options, environment ?? Environment.GetEnvironmentVariable, errors);
        OpenSearchRules.Validate(options, environment ?? Environment.GetEnvironmentVariable, errors);
        SplunkTokenRules.Validate(options, environment ?? Environment.GetEnvironmentVariable, errors);
        if (errors.Count > 0)
        {
            // A key whose value did not convert was left out of binding; what the later checks say of it (missing,
            // default not allowed) is a consequence of the same mistake, not a second one.
            throw new InvalidDeliveryConfigurationException(SecretSettings.Scrub([.. errors.Take(upFront), .. errors.Skip(upFront).Where(error => !reportedUpFront.Contains(error.KeyPath))], configuration.GetSection(DeliveryOptions.SectionName)));
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


    /// <summary>
    /// The section without the keys already reported (unknown, or values that do not convert), so the binder and the
    /// later checks still see everything else and every problem is reported in one go.
    /// </summary>
    private static IConfigurationSection WithoutKeys(IConfigurationSection section, List<ConfigurationValidationError> errors)
    {
        if (errors.Count == 0)
        {
            return section;
        }

        bool Reported(string key) => errors.Any(error => key.Equals(error.KeyPath, StringComparison.OrdinalIgnoreCase) || key.StartsWith(error.KeyPath + ":", StringComparison.OrdinalIgnoreCase));
        IConfiguration kept = new ConfigurationBuilder()
            .AddInMemoryCollection(section.AsEnumerable().Where(pair => pair.Value is not null && !Reported(pair.Key)))
            .Build();
        return kept.GetSection(section.Path);
    }

    internal static string FriendlyType(string typeName)
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
