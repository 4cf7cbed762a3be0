using Delivery.Transforms.Query;

namespace Delivery.Transforms.BuiltIn;

/// <summary>
/// The distinct key sets a metadata-extraction query finds in one batch: each record's values are looked up among
/// those seen before and records with equal values get the same dictionary, made once. Bounded, so a query whose
/// values differ in every record costs a dictionary per record, as without it. Not thread-safe: one per batch.
/// </summary>
internal sealed class QueryKeySets
{
    // Far above the partition cap (500 by default): past it, most records would fail partition-count-exceeded anyway.
    private const int MaxSets = 4096;

    private readonly JqEvaluation _evaluation;
    private readonly IReadOnlyList<string> _names;
    private readonly Dictionary<string[], IReadOnlyDictionary<string, string>> _sets = new(ValuesComparer.Instance);

    public QueryKeySets(JqQuery query)
    {
        _evaluation = query.NewEvaluation();
        _names = query.KeyNames;
    }

    /// <summary>The record's keys (shared with every record of equal values), or null with <paramref name="error"/>.</summary>
    public IReadOnlyDictionary<string, string>? Evaluate(ReadOnlySpan<byte> json, out string? error)
    {
        if (!_evaluation.TryEvaluate(json, out error))
        {
            return null;
        }

        string[] values = _evaluation.Values;
        if (_sets.TryGetValue(values, out IReadOnlyDictionary<string, string>? keys))
        {
            return keys;
        }

        var made = new Dictionary<string, string>(_names.Count, StringComparer.Ordinal);
        for (int i = 0; i < values.Length; i++)
        {
            made[_names[i]] = values[i];
        }

        if (_sets.Count < MaxSets)
        {
            // The evaluation's array is overwritten by the next record: the table keeps a copy.
            _sets.Add([.. values], made);
        }

        return made;
    }

    /// <summary>Key values compared element by element, ordinally (the benchmark's partitioning floor groups by them too).</summary>
    internal sealed class ValuesComparer : IEqualityComparer<string[]>
    {
        public static readonly ValuesComparer Instance = new();

        public bool Equals(string[]? x, string[]? y) => x.AsSpan().SequenceEqual(y, StringComparer.Ordinal);

        public int GetHashCode(string[] obj)
        {
            var hash = default(HashCode);
            foreach (string value in obj)
            {
                hash.Add(value, StringComparer.Ordinal);
            }

            return hash.ToHashCode();
        }
    }
}
