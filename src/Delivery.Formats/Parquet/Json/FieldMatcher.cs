using System.Text;
using System.Text.Json;

namespace Delivery.Formats.Parquet.Json;

/// <summary>
/// Finds which child of a struct (or which top-level column) a JSON key belongs to, with the OpenX rules: optional
/// case-insensitivity and dots read as underscores. An ASCII key is compared byte by byte with the ASCII names, starting
/// where the previous key matched, since records of one stream mostly list their keys in the same order; anything else
/// (escapes, non-ASCII text) goes through a string dictionary with .NET's ordinal comparers. Neither allocates unless
/// the key is escaped or longer than 256 bytes.
/// </summary>
internal sealed class FieldMatcher
{
    private const int MaxStackName = 256;

    private readonly Dictionary<string, int> _byName;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly bool _dotsToUnderscores;
    private readonly bool _caseInsensitive;

    // The distinct names as the dictionary holds them, in UTF-8, with their field indexes; null when a name is not ASCII
    // (case-insensitive matching of non-ASCII text is left to the dictionary's comparer).
    private readonly byte[][]? _asciiNames;
    private readonly int[] _indexes;

    // Each name followed by its closing quote, when every name is text a JSON string holds as is (no quote, backslash or
    // control character) and keys spelled as names match them: a key that starts with one of these is that name, found
    // without scanning the key for its end first. Null otherwise.
    private readonly byte[][]? _quotedNames;

    // A key equal byte for byte to a name is that name's field: true unless dots in keys turn into underscores while a
    // name has a dot (which such a key then never matches).
    private readonly bool _exactNamesMatch;

    public FieldMatcher(IEnumerable<KeyValuePair<string, int>> names, JsonConversionOptions options)
    {
        _caseInsensitive = options.CaseInsensitive;
        _byName = new Dictionary<string, int>(_caseInsensitive ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        foreach ((string name, int index) in names)
        {
            _byName[name] = index;
        }

        _lookup = _byName.GetAlternateLookup<ReadOnlySpan<char>>();
        _dotsToUnderscores = options.ConvertDotsInJsonKeysToUnderscores;
        _indexes = [.. _byName.Values];
        _asciiNames = _byName.Keys.All(name => Ascii.IsValid(name)) ? [.. _byName.Keys.Select(Encoding.ASCII.GetBytes)] : null;
        _exactNamesMatch = _asciiNames is { Length: > 0 } && !(_dotsToUnderscores && _byName.Keys.Any(name => name.Contains('.', StringComparison.Ordinal)));
        _quotedNames = _exactNamesMatch && _asciiNames!.All(name => !name.AsSpan().ContainsAnyInRange((byte)0, (byte)0x1F) && !name.AsSpan().ContainsAny((byte)'"', (byte)'\\'))
            ? [.. _asciiNames!.Select(name => (byte[])[.. name, (byte)'"'])]
            : null;
    }

    /// <summary>
    /// Whether the JSON text from <paramref name="start"/> (just after a key's opening quote) is the name expected at
    /// <paramref name="cursor"/> and its closing quote: then <paramref name="index"/> is its field, <paramref name="end"/>
    /// is just past the quote and the cursor moves on, as <see cref="TryFind"/> would have it for that key.
    /// </summary>
    public bool TryMatchExpected(ReadOnlySpan<byte> json, int start, ref int cursor, out int index, out int end)
    {
        if (_quotedNames is { } quoted && json[start..].StartsWith(quoted[cursor]))
        {
            end = start + quoted[cursor].Length;
            index = _indexes[cursor];
            cursor = cursor + 1 == _indexes.Length ? 0 : cursor + 1;
            return true;
        }

        index = -1;
        end = start;
        return false;
    }

    /// <summary>
    /// The index of the field named by the property name <paramref name="reader"/> is on, or -1.
    /// <paramref name="cursor"/> is where the previous key of the same object matched (start at 0); it is moved on.
    /// </summary>
    public int Find(ref Utf8JsonReader reader, ref int cursor) =>
        !reader.ValueIsEscaped && TryFind(reader.ValueSpan, ref cursor, out int index) ? index : FindByString(ref reader, reader.ValueSpan);

    /// <summary>
    /// The index of the field the unescaped key <paramref name="key"/> names (or -1), when ASCII names and an ASCII key
    /// decide it; false sends the key to <see cref="Find"/>'s string comparison.
    /// </summary>
    public bool TryFind(ReadOnlySpan<byte> key, ref int cursor, out int index)
    {
        if (_exactNamesMatch && key.SequenceEqual(_asciiNames![cursor]))
        {
            // The common case: the key is spelled as the name and comes where it came in the previous record.
            index = _indexes[cursor];
            cursor = cursor + 1 == _indexes.Length ? 0 : cursor + 1;
            return true;
        }

        index = -1;
        if (_asciiNames is not { } names || !Ascii.IsValid(key))
        {
            // Not ASCII: the key may still equal a name under OrdinalIgnoreCase (U+017F folds to 's').
            return false;
        }

        for (int tried = 0; tried < names.Length; tried++)
        {
            int at = cursor + tried < names.Length ? cursor + tried : cursor + tried - names.Length;
            if (Matches(key, names[at]))
            {
                cursor = at + 1 == names.Length ? 0 : at + 1;
                index = _indexes[at];
                return true;
            }
        }

        return true;
    }

    private int FindByString(ref Utf8JsonReader reader, ReadOnlySpan<byte> raw)
    {
        if (raw.Length <= MaxStackName && !reader.ValueIsEscaped)
        {
            // Bytes that are not UTF-8 become U+FFFD here, so such a key matches no field (and the catch-all keeps it raw).
            Span<char> chars = stackalloc char[MaxStackName];
            Span<char> name = chars[..Encoding.UTF8.GetChars(raw, chars)];
            if (_dotsToUnderscores)
            {
                name.Replace('.', '_');
            }

            return _lookup.TryGetValue(name, out int index) ? index : -1;
        }

        // Unescaping throws InvalidOperationException for an escaped unpaired surrogate: the record fails.
        string text = reader.GetString()!;
        if (_dotsToUnderscores)
        {
            text = text.Replace('.', '_');
        }

        return _byName.TryGetValue(text, out int found) ? found : -1;
    }

    private bool Matches(ReadOnlySpan<byte> key, ReadOnlySpan<byte> name)
    {
        if (key.Length != name.Length)
        {
            return false;
        }

        for (int i = 0; i < key.Length; i++)
        {
            int k = key[i];
            if (_dotsToUnderscores && k == '.')
            {
                k = '_';
            }

            int n = name[i];
            if (k != n && !(_caseInsensitive && (uint)((k | 0x20) - 'a') <= 'z' - 'a' && (k | 0x20) == (n | 0x20)))
            {
                return false;
            }
        }

        return true;
    }
}
