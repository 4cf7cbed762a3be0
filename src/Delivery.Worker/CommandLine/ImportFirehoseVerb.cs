using System.Collections;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Delivery.Worker.Configuration;
using Microsoft.Extensions.Configuration;

namespace Delivery.Worker.CommandLine;

/// <summary>
/// <c>import-firehose FILE|- [--pipeline NAME]</c>: prints a Delivery configuration for an existing Firehose delivery
/// stream, from the JSON <c>aws firehose describe-delivery-stream</c> prints. The configuration is checked as the worker
/// would check it; a setting this build of Delivery does not have, or that it would reject, is left out and said so
/// on stderr, so the output always validates or the verb fails naming why.
/// </summary>
internal static class ImportFirehoseVerb
{
    private const int MaxRepairRounds = 20;

    private static readonly JsonSerializerOptions NoteJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Without these there is nothing to run; a configuration missing them is reported rather than repaired.
    private static readonly HashSet<string> Essential = new(StringComparer.OrdinalIgnoreCase) { "StreamName", "BucketName", "Url", "ConnectionString", "Table", "Endpoint", "IndexName", "HecEndpoint" };

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        string? file = args.Skip(1).FirstOrDefault(arg => !arg.StartsWith("--", StringComparison.Ordinal));
        string? pipelineName = OptionValue(args, "--pipeline");
        if (file is null)
        {
            await error.WriteLineAsync("import-firehose: name the file with the describe-delivery-stream JSON, or - for stdin.").ConfigureAwait(false);
            return 2;
        }

        string text;
        try
        {
            text = file == "-" ? await Console.In.ReadToEndAsync().ConfigureAwait(false) : await File.ReadAllTextAsync(file).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            await error.WriteLineAsync($"import-firehose: cannot read {file}: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(text);
            ImportResult result = Import(document.RootElement, pipelineName);
            foreach (string note in result.Notes)
            {
                await error.WriteLineAsync("note: " + note).ConfigureAwait(false);
            }

            if (result.Problems.Count > 0)
            {
                await error.WriteLineAsync("import-firehose: the imported configuration is not valid for this build of Delivery:").ConfigureAwait(false);
                foreach (ConfigurationValidationError problem in result.Problems)
                {
                    await error.WriteLineAsync("  " + problem).ConfigureAwait(false);
                }
            }

            await output.WriteLineAsync(result.Configuration.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })).ConfigureAwait(false);
            return result.Problems.Count == 0 ? 0 : 2;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            await error.WriteLineAsync($"import-firehose: {file} is not a DescribeDeliveryStream answer Delivery can read: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
    }

    /// <summary>Maps, fits to this build's settings, and validates; see <see cref="ImportResult"/>.</summary>
    public static ImportResult Import(JsonElement describeDeliveryStream, string? pipelineName = null)
    {
        ImportedPipeline imported = FirehoseImporter.Map(describeDeliveryStream, pipelineName);
        var notes = new List<string>(imported.Notes);
        var delivery = new JsonObject();
        if (imported.Region is { } region)
        {
            delivery["Aws"] = new JsonObject { ["Region"] = region };
        }

        delivery["Pipelines"] = new JsonObject { [imported.Name] = imported.Settings };
        var root = new JsonObject { [DeliveryOptions.SectionName] = delivery };
        string pipelinePath = $"{DeliveryOptions.SectionName}:Pipelines:{imported.Name}";
        Fit(imported.Settings, typeof(PipelineOptions), pipelinePath, notes);

        IReadOnlyList<ConfigurationValidationError> problems = [];
        for (int round = 0; round < MaxRepairRounds; round++)
        {
            problems = Validate(root);
            List<ConfigurationValidationError> repairable = [.. problems.Where(problem => DroppableKey(root, problem.KeyPath) is not null)];
            if (problems.Count == 0 || repairable.Count < problems.Count)
            {
                break;
            }

            foreach (ConfigurationValidationError problem in repairable)
            {
                if (DroppableKey(root, problem.KeyPath) is { } key)
                {
                    Remove(root, key);
                    notes.Add(key == problem.KeyPath ? $"{key} is not carried over: {problem.Problem}" : $"{key} is not carried over, since {problem.KeyPath} {problem.Problem}");
                }
            }
        }

        return new ImportResult(root, notes, problems);
    }

    private static IReadOnlyList<ConfigurationValidationError> Validate(JsonObject root)
    {
        IConfiguration configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(root.ToJsonString()))).Build();
        try
        {
            // The secrets' variables are set where the worker runs, not where it is imported: taken as set here.
            DeliveryOptionsLoader.Load(configuration, name => Environment.GetEnvironmentVariable(name) ?? "set-where-the-worker-runs");
            return [];
        }
        catch (InvalidDeliveryConfigurationException ex)
        {
            return ex.Errors;
        }
    }

    /// <summary>Removes what this build has no setting for, or no such enum value, noting each removal.</summary>
    private static void Fit(JsonObject settings, Type type, string path, List<string> notes)
    {
        foreach ((string key, JsonNode? node) in settings.ToList())
        {
            PropertyInfo? property = type.GetProperty(key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property?.SetMethod is null)
            {
                settings.Remove(key);
                notes.Add($"{path}:{key} is not a setting of this build of Delivery; not carried over: {node?.ToJsonString(NoteJson)}");
                continue;
            }

            if (!FitValue(node, property.PropertyType, $"{path}:{key}", notes))
            {
                settings.Remove(key);
            }
        }
    }

    private static bool FitValue(JsonNode? node, Type type, string path, List<string> notes)
    {
        Type target = Nullable.GetUnderlyingType(type) ?? type;
        if (node is null)
        {
            return true;
        }

        if (ConfigurationTypes.IsScalar(target))
        {
            if (target.IsEnum && node is JsonValue value && value.TryGetValue(out string? text) && !Enum.TryParse(target, text, ignoreCase: true, out _))
            {
                notes.Add($"{path}: '{text}' is not available in this build of Delivery (one of {string.Join(", ", Enum.GetNames(target))}); the default applies.");
                return false;
            }

            return node is JsonValue;
        }

        if (target.IsGenericType && typeof(IDictionary).IsAssignableFrom(target) && node is JsonObject entries)
        {
            Type valueType = target.GetGenericArguments()[1];
            foreach ((string key, JsonNode? entry) in entries.ToList())
            {
                if (!FitValue(entry, valueType, $"{path}:{key}", notes))
                {
                    entries.Remove(key);
                }
            }

            return true;
        }

        if (node is JsonObject nested && !typeof(IEnumerable).IsAssignableFrom(target))
        {
            Fit(nested, target, path, notes);
            return true;
        }

        if (node is JsonArray items && target.IsGenericType && target.GetGenericArguments() is [Type elementType] && !ConfigurationTypes.IsScalar(elementType))
        {
            for (int i = 0; i < items.Count; i++)
            {
                if (items[i] is JsonObject item)
                {
                    Fit(item, elementType, $"{path}:{i}", notes);
                }
            }

            return true;
        }

        // Lists are kept as they are; validation judges their items.
        return node is JsonArray;
    }

    /// <summary>
    /// The imported setting to leave out for a problem: the one named, or, when the problem is a setting the import
    /// could not fill in (a schema Firehose keeps elsewhere), the section holding it. Null when nothing can be left out.
    /// </summary>
    private static string? DroppableKey(JsonObject root, string keyPath)
    {
        string[] segments = keyPath.Split(':');
        if (segments.Length <= 4 || Essential.Contains(segments[^1]))
        {
            return null;
        }

        if (Find(root, segments) is not null)
        {
            return keyPath;
        }

        string[] parent = segments[..^1];
        return parent.Length > 4 && Find(root, parent) is not null ? string.Join(':', parent) : null;
    }

    private static JsonNode? Find(JsonObject root, string[] segments)
    {
        JsonNode? node = root;
        foreach (string segment in segments)
        {
            node = node is JsonObject obj ? obj.FirstOrDefault(pair => string.Equals(pair.Key, segment, StringComparison.OrdinalIgnoreCase)).Value : null;
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    private static void Remove(JsonObject root, string keyPath)
    {
        string[] segments = keyPath.Split(':');
        if (Find(root, segments[..^1]) is JsonObject parent && parent.FirstOrDefault(pair => string.Equals(pair.Key, segments[^1], StringComparison.OrdinalIgnoreCase)).Key is { } key)
        {
            parent.Remove(key);
        }
    }

    private static string? OptionValue(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}

/// <summary>The configuration made, what was not carried over (notes), and what still makes it invalid (empty when valid).</summary>
internal sealed record ImportResult(JsonObject Configuration, IReadOnlyList<string> Notes, IReadOnlyList<ConfigurationValidationError> Problems);
