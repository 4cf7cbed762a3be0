using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Delivery.Formats.Parquet.Json;

/// <summary>
/// Strings JSON allows but a .NET string cannot hold: bytes that are not UTF-8, or a <c>\u</c> escape of an unpaired
/// surrogate. The parser accepts them and <see cref="Utf8JsonReader.GetString"/> throws for them; this answers instead.
/// </summary>
internal static class JsonStrings
{
    /// <summary>The string the token <paramref name="reader"/> is on holds, or false when it is not valid Unicode.</summary>
    public static bool TryGetString(ref Utf8JsonReader reader, [NotNullWhen(true)] out string? text)
    {
        try
        {
            text = reader.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = null;
            return false;
        }
    }
}
