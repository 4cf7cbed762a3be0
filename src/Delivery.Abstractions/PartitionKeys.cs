using System.Security.Cryptography;
using System.Text;

namespace Delivery;

/// <summary>
/// The values that define one dynamic partition: the keys an S3 prefix uses, from the metadata-extraction query
/// (<c>!{partitionKeyFromQuery:name}</c>) and from transforms (<c>!{partitionKeyFromLambda:name}</c>). Two records with
/// equal values go to the same object.
/// </summary>
public sealed class PartitionKeys : IEquatable<PartitionKeys>
{
    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>();

    public PartitionKeys(IReadOnlyDictionary<string, string>? fromQuery, IReadOnlyDictionary<string, string>? fromLambda)
    {
        FromQuery = fromQuery ?? None;
        FromLambda = fromLambda ?? None;
        var canonical = new StringBuilder();
        Append(canonical, 'q', FromQuery);
        Append(canonical, 'l', FromLambda);
        Canonical = canonical.ToString();
    }

    public IReadOnlyDictionary<string, string> FromQuery { get; }

    public IReadOnlyDictionary<string, string> FromLambda { get; }

    /// <summary>The keys in one ordinal-sorted text; equal partitions have equal text in every process.</summary>
    public string Canonical { get; }

    /// <summary>
    /// The id of this partition's object within batch <paramref name="batchId"/>: 32 hex characters of SHA-256 over both,
    /// so a batch delivered again writes each partition to the same key.
    /// </summary>
    public string ObjectIdFor(string batchId)
    {
        ArgumentNullException.ThrowIfNull(batchId);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(batchId + "\n" + Canonical), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    public bool Equals(PartitionKeys? other) => other is not null && string.Equals(Canonical, other.Canonical, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as PartitionKeys);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Canonical);

    public override string ToString() => Canonical.Replace('\0', ',').Replace('\u0001', '=');

    // NUL and SOH cannot occur in a valid key value, so the text is unambiguous.
    private static void Append(StringBuilder canonical, char source, IReadOnlyDictionary<string, string> keys)
    {
        foreach (KeyValuePair<string, string> pair in keys.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            canonical.Append(source).Append(':').Append(pair.Key).Append('\u0001').Append(pair.Value).Append('\0');
        }
    }
}
