namespace Delivery.Transforms.Query;

/// <summary>
/// The strings a query has already read, found again by their UTF-8 bytes: partition key values repeat across a batch
/// (a few dozen countries, services, levels), so each is made once per batch instead of once per record. Bounded, so a
/// field with a distinct value in every record costs one string per record as before and no more memory than that.
/// </summary>
/// <remarks>Not thread-safe: one per batch being evaluated.</remarks>
internal sealed class Utf8Strings
{
    // Enough for any key a prefix can use without exceeding the partition cap many times over.
    private const int MaxEntries = 1024;

    private readonly Dictionary<byte[], string> _strings = new(Utf8Comparer.Instance);
    private readonly Dictionary<byte[], string>.AlternateLookup<ReadOnlySpan<byte>> _byBytes;

    public Utf8Strings()
    {
        _byBytes = _strings.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    /// <summary>The string read before from exactly <paramref name="utf8"/>, or null.</summary>
    public string? Find(ReadOnlySpan<byte> utf8) => _byBytes.TryGetValue(utf8, out string? text) ? text : null;

    /// <summary>Remembers that <paramref name="utf8"/> reads as <paramref name="text"/>, while there is room.</summary>
    public void Add(ReadOnlySpan<byte> utf8, string text)
    {
        if (_strings.Count < MaxEntries && utf8.Length <= Partitioning.PartitionKeyValues.MaxBytes)
        {
            _byBytes[utf8] = text;
        }
    }

    private sealed class Utf8Comparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly Utf8Comparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode(obj.AsSpan());

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = default(HashCode);
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
