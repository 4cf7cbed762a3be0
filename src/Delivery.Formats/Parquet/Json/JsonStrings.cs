using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Delivery.Formats.Parquet.Json;

/// <summary>
/// Strings JSON allows but a .NET string cannot hold: bytes that are not UTF-8, or a <c>\u</c> escape of an unpaired
/// surrogate. The parser accepts them and <see cref="JsonElement.GetString"/> throws for them; this answers instead.
/// </summary>
internal static class JsonStrings
{
    /// <summary>The string <paramref name="value"/> holds, or false when it is not valid Unicode.</summary>
    public static bool TryGetString(JsonElement value, [NotNullWhen(true)] out string? text)
    {
        try
        {
            text = value.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = null;
            return false;
        }
    }
}
