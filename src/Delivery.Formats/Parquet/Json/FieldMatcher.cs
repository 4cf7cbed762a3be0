using System.Runtime.InteropServices;
using System.Text.Json;

namespace Delivery.Formats.Parquet.Json;

/// <summary>
/// Finds which child of a struct (or which top-level column) a JSON key belongs to, with the OpenX rules: optional
/// case-insensitivity and dots read as underscores. Keys are looked up from their raw UTF-8 without allocating a string.
/// </summary>
internal sealed class FieldMatcher
{
    private const int MaxStackName = 256;

    private readonly Dictionary<string, int> _byName;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly bool _dotsToUnderscores;

    public FieldMatcher(IEnumerable<KeyValuePair<string, int>> names, JsonConversionOptions options)
    {
        _byName = new Dictionary<string, int>(options.CaseInsensitive ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        foreach ((string name, int index) in names)
        {
            _byName[name] = index;
        }

        _lookup = _byName.GetAlternateLookup<ReadOnlySpan<char>>();
        _dotsToUnderscores = options.ConvertDotsInJsonKeysToUnderscores;
    }

    /// <summary>The index of the field <paramref name="property"/> names, or -1.</summary>
    public int Find(JsonProperty property)
    {
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.Length <= MaxStackName && !raw.Contains((byte)'\\'))
        {
            Span<char> chars = stackalloc char[MaxStackName];
            int length = System.Text.Encoding.UTF8.GetChars(raw, chars);
            Span<char> name = chars[..length];
            if (_dotsToUnderscores)
            {
                name.Replace('.', '_');
            }

            return _lookup.TryGetValue(name, out int index) ? index : -1;
        }

        string text = property.Name;
        if (_dotsToUnderscores)
        {
            text = text.Replace('.', '_');
        }

        return _byName.TryGetValue(text, out int found) ? found : -1;
    }
}
