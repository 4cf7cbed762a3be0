using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;

namespace Delivery.Transforms.Processing;

/// <summary>
/// Reading names and strings from records and responses that may hold what JSON allows but .NET strings cannot:
/// invalid UTF-8 inside a string, or a <c>\u</c> escape of an unpaired surrogate. <see cref="Utf8JsonReader"/> reads
/// past such text and throws <see cref="InvalidOperationException"/> only when asked for it; these turn that into an
/// answer, so the record (not the batch) fails.
/// </summary>
internal static class JsonText
{
    /// <summary>The current string token, or false when it is not valid Unicode.</summary>
    public static bool TryGetString(ref Utf8JsonReader reader, [NotNullWhen(true)] out string? value)
    {
        try
        {
            value = reader.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            value = null;
            return false;
        }
    }

    /// <summary>Whether the current property name is <paramref name="name"/>; a name that is not valid Unicode is no name looked for.</summary>
    public static bool NameIs(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        try
        {
            return reader.ValueTextEquals(name);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The current string token unescaped into new UTF-8 bytes, or null when it is not valid Unicode.</summary>
    public static byte[]? TryGetUtf8(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return reader.ValueSpan.ToArray();
        }

        int length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            int written = reader.CopyString(buffer);
            return buffer.AsSpan(0, written).ToArray();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Whether <paramref name="text"/> is valid UTF-16: no unpaired surrogate, so it has one UTF-8 form.</summary>
    public static bool IsValidUnicode(string text)
    {
        ReadOnlySpan<char> rest = text;
        if (rest.IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            return true;
        }

        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out _, out int used) != OperationStatus.Done)
            {
                return false;
            }

            rest = rest[used..];
        }

        return true;
    }
}
