namespace Delivery.Transforms.Query;

/// <summary>
/// A compiled metadata-extraction query (Firehose's <c>MetadataExtractionQuery</c> with the JQ-1.6 engine), in the
/// subset Delivery supports: an object of keys, each a path into the record (<c>.a.b</c>, <c>.["a-b"]</c>, <c>."a b"</c>,
/// <c>.items[0]</c>) optionally followed by steps joined with <c>|</c>: <c>.[n]</c>, <c>.[from:to]</c>,
/// <c>/ n</c> <c>* n</c> <c>+ n</c> <c>- n</c>, <c>// "default"</c>, and the functions in <see cref="FunctionStep.Names"/>.
/// </summary>
public sealed class JqQuery
{
    private readonly List<JqKey> _keys;
    private readonly JsonPathScanner _scanner;
    private readonly int[] _pathOfKey;
    private readonly int _pathCount;

    private JqQuery(string text, List<JqKey> keys)
    {
        Text = text;
        _keys = keys;

        // Keys that read the same path share one slot, so the record is scanned for it once.
        var paths = new List<IReadOnlyList<PathSegment>>();
        var byText = new Dictionary<string, int>(StringComparer.Ordinal);
        _pathOfKey = new int[keys.Count];
        for (int i = 0; i < keys.Count; i++)
        {
            if (!byText.TryGetValue(keys[i].PathText, out int id))
            {
                id = paths.Count;
                byText[keys[i].PathText] = id;
                paths.Add(keys[i].Path);
            }

            _pathOfKey[i] = id;
        }

        _pathCount = paths.Count;
        _scanner = new JsonPathScanner(paths);
        KeyNames = [.. keys.Select(key => key.Name)];
    }

    public string Text { get; }

    /// <summary>The keys the query defines, in the order written.</summary>
    public IReadOnlyList<string> KeyNames { get; }

    /// <summary>Compiles <paramref name="query"/>; throws <see cref="JqException"/> saying what is wrong and where.</summary>
    public static JqQuery Parse(string query) => new(query, JqParser.Parse(query));

    /// <summary>Compiles <paramref name="query"/>, or returns false with the problem.</summary>
    public static bool TryParse(string query, out JqQuery? result, out string? error)
    {
        try
        {
            result = Parse(query);
            error = null;
            return true;
        }
        catch (JqException ex)
        {
            result = null;
            error = ex.Message;
            return false;
        }
    }

    /// <summary>
    /// Evaluates every key against <paramref name="json"/>. Returns the keys' values, or null with
    /// <paramref name="error"/> saying which key failed and why (not JSON, not an object, missing, null, not a scalar).
    /// </summary>
    public Dictionary<string, string>? Evaluate(ReadOnlySpan<byte> json, out string? error)
    {
        string[] values = new string[_keys.Count];
        if (!TryEvaluate(json, new JqValue[_pathCount], values, null, out error))
        {
            return null;
        }

        var keys = new Dictionary<string, string>(_keys.Count, StringComparer.Ordinal);
        for (int i = 0; i < values.Length; i++)
        {
            keys[_keys[i].Name] = values[i];
        }

        return keys;
    }

    /// <summary>Storage for evaluating this query on one record after another without allocating (one thread at a time).</summary>
    internal JqEvaluation NewEvaluation() => new(this, _pathCount);

    /// <summary>
    /// <see cref="Evaluate(ReadOnlySpan{byte}, out string?)"/> into <paramref name="values"/> (by key, in
    /// <see cref="KeyNames"/> order), with <paramref name="found"/> as scratch; false with <paramref name="error"/> when
    /// a key fails.
    /// </summary>
    internal bool TryEvaluate(ReadOnlySpan<byte> json, JqValue[] found, string[] values, Utf8Strings? strings, out string? error)
    {
        try
        {
            _scanner.Scan(json, found, strings);
        }
        catch (System.Text.Json.JsonException ex)
        {
            error = $"the record is not valid JSON ({ex.Message.TrimEnd('.')})";
            return false;
        }
        catch (JqException ex)
        {
            error = ex.Message;
            return false;
        }

        for (int i = 0; i < _keys.Count; i++)
        {
            JqKey key = _keys[i];
            try
            {
                JqValue value = found[_pathOfKey[i]];
                foreach (JqStep step in key.Steps)
                {
                    value = step.Apply(value);
                }

                if (value.Kind is JqKind.Missing or JqKind.Null)
                {
                    error = $"key '{key.Name}': {key.PathText} {(found[_pathOfKey[i]].Kind == JqKind.Missing ? "is not in the record" : "is null")}";
                    return false;
                }

                values[i] = value.ToKeyText();
            }
            catch (JqException ex)
            {
                error = $"key '{key.Name}': {ex.Message}";
                return false;
            }
        }

        error = null;
        return true;
    }

    public override string ToString() => Text;
}

/// <summary>
/// One batch's evaluations of a query: the scanner's scratch, the values of the last record and the strings read so far
/// are reused from record to record. Not thread-safe.
/// </summary>
internal sealed class JqEvaluation
{
    private readonly JqQuery _query;
    private readonly JqValue[] _found;
    private readonly Utf8Strings _strings = new();

    internal JqEvaluation(JqQuery query, int pathCount)
    {
        _query = query;
        _found = new JqValue[pathCount];
        Values = new string[query.KeyNames.Count];
    }

    /// <summary>The last record's values, in <see cref="JqQuery.KeyNames"/> order; overwritten by the next evaluation.</summary>
    public string[] Values { get; }

    /// <summary>Evaluates the query on <paramref name="json"/> into <see cref="Values"/>; false with <paramref name="error"/> when a key fails.</summary>
    public bool TryEvaluate(ReadOnlySpan<byte> json, out string? error) => _query.TryEvaluate(json, _found, Values, _strings, out error);
}
