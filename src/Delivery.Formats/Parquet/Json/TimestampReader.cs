using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Delivery.Formats.Parquet.Json;

/// <summary>
/// Reads timestamp values in the configured formats (see <see cref="JsonConversionOptions.TimestampFormats"/>) as
/// microseconds since the Unix epoch, UTC. Joda-Time patterns are translated to .NET exact-parse patterns once.
/// </summary>
internal sealed class TimestampReader
{
    private static readonly string[] IsoPatterns =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mm:ssK",
        "yyyy-MM-dd",
    ];

    private const DateTimeStyles Styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
    private static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;

    // Epoch milliseconds or seconds beyond this are past year 9999 whichever unit they are in.
    private const decimal MaxEpochNumber = 1e15m;

    // 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z, the instants a timestamp column holds.
    private const long MinMicros = -62_135_596_800_000_000;
    private const long MaxMicros = 253_402_300_799_999_999;

    private readonly Format[] _formats;

    /// <exception cref="ArgumentException">A pattern uses a Joda letter with no equivalent here; the message names it.</exception>
    public TimestampReader(IReadOnlyList<string> formats)
    {
        _formats = formats.Count == 0 ? [new Format(FormatKind.Iso8601, null)] : [.. formats.Select(Parse)];
        Description = formats.Count == 0 ? "iso8601" : string.Join(", ", formats);
    }

    public string Description { get; }

    /// <summary>Checks formats at configuration time; returns the problem or null.</summary>
    public static string? Validate(IReadOnlyList<string> formats)
    {
        try
        {
            _ = new TimestampReader(formats);
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Reads the value <paramref name="reader"/> is on (a string or a number) as microseconds since the epoch.</summary>
    public bool TryRead(ref Utf8JsonReader reader, out long micros)
    {
        foreach (Format format in _formats)
        {
            if (TryRead(format, ref reader, out micros))
            {
                return true;
            }
        }

        micros = 0;
        return false;
    }

    /// <summary>
    /// What <see cref="TryRead(ref Utf8JsonReader, out long)"/> gives when the first configured format reads the value on
    /// its fast path: an ISO-8601 string without escapes of a common shape, or a whole epoch number. False leaves the value
    /// to the reader.
    /// </summary>
    /// <param name="isString">The value is a JSON string, or else a number.</param>
    /// <param name="text">A string's text without quotes, or a number's.</param>
    /// <param name="micros">Microseconds since the epoch.</param>
    public bool TryReadFirst(bool isString, ReadOnlySpan<byte> text, out long micros)
    {
        micros = 0;
        return _formats[0].Kind switch
        {
            FormatKind.Iso8601 => isString && IsoTimestamp.TryParse(text, out micros),
            FormatKind.EpochMillis or FormatKind.EpochSeconds => !isString && TryReadWholeEpoch(text, _formats[0].Kind, out micros),
            _ => false,
        };
    }

    private static bool TryRead(Format format, ref Utf8JsonReader reader, out long micros)
    {
        micros = 0;
        switch (format.Kind)
        {
            case FormatKind.EpochMillis or FormatKind.EpochSeconds:
                if (reader.TokenType == JsonTokenType.Number && TryReadWholeEpoch(reader.ValueSpan, format.Kind, out micros))
                {
                    return true;
                }

                // Checked before scaling: a decimal near its limit would overflow, and is out of range anyway.
                if (!TryGetDecimal(ref reader, out decimal number) || decimal.Abs(number) > MaxEpochNumber)
                {
                    return false;
                }

                decimal scaled = format.Kind == FormatKind.EpochMillis ? number * 1_000m : number * 1_000_000m;
                if (scaled is < MinMicros or > MaxMicros)
                {
                    return false;
                }

                micros = (long)decimal.Floor(scaled);
                return true;
            default:
                if (reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                if (format.Kind == FormatKind.Iso8601 && !reader.ValueIsEscaped && IsoTimestamp.TryParse(reader.ValueSpan, out micros))
                {
                    return true;
                }

                if (!JsonStrings.TryGetString(ref reader, out string? text))
                {
                    return false;
                }

                bool parsed = format.Kind == FormatKind.Iso8601
                    ? DateTimeOffset.TryParseExact(text, IsoPatterns, CultureInfo.InvariantCulture, Styles, out DateTimeOffset instant)
                    : DateTimeOffset.TryParseExact(text, format.Pattern, CultureInfo.InvariantCulture, Styles, out instant);
                if (!parsed)
                {
                    return false;
                }

                micros = (instant.UtcTicks - EpochTicks) / 10;
                return true;
        }
    }

    /// <summary>
    /// The common case without a decimal: a whole number of up to 15 digits, which the decimal path would read the same
    /// way. Anything else (fractions, exponents, more digits) returns false and goes that way.
    /// </summary>
    private static bool TryReadWholeEpoch(ReadOnlySpan<byte> text, FormatKind kind, out long micros)
    {
        micros = 0;
        bool negative = text.Length > 0 && text[0] == '-';
        ReadOnlySpan<byte> digits = negative ? text[1..] : text;
        if (digits.Length is 0 or > 15)
        {
            return false;
        }

        long value = 0;
        foreach (byte digit in digits)
        {
            if ((uint)(digit - '0') > 9)
            {
                return false;
            }

            value = (value * 10) + (digit - '0');
        }

        value = negative ? -value : value;
        long scale = kind == FormatKind.EpochMillis ? 1_000 : 1_000_000;

        // In range before scaling, so the product cannot overflow.
        if (value < MinMicros / scale || value > MaxMicros / scale)
        {
            return false;
        }

        micros = value * scale;
        return true;
    }

    private static bool TryGetDecimal(ref Utf8JsonReader reader, out decimal number)
    {
        number = 0;
        return reader.TokenType switch
        {
            JsonTokenType.Number => reader.TryGetDecimal(out number),
            JsonTokenType.String => JsonStrings.TryGetString(ref reader, out string? text) && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number),
            _ => false,
        };
    }

    private static Format Parse(string format) => format.Trim().ToLowerInvariant() switch
    {
        "iso8601" or "iso-8601" => new Format(FormatKind.Iso8601, null),
        "millis" => new Format(FormatKind.EpochMillis, null),
        "seconds" => new Format(FormatKind.EpochSeconds, null),
        _ => new Format(FormatKind.Pattern, TranslateJoda(format)),
    };

    /// <summary>Translates a Joda-Time pattern (y, M, d, H, h, m, s, S, a, E, Z/X and quoted text) to .NET custom format syntax.</summary>
    private static string TranslateJoda(string pattern)
    {
        var result = new StringBuilder(pattern.Length + 8);
        for (int i = 0; i < pattern.Length;)
        {
            char c = pattern[i];
            if (c == '\'')
            {
                int end = pattern.IndexOf('\'', i + 1);
                if (end < 0)
                {
                    throw new ArgumentException($"timestamp format '{pattern}' has an unclosed quote.");
                }

                string literal = end == i + 1 ? "'" : pattern[(i + 1)..end];
                result.Append('"').Append(literal.Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
                i = end + 1;
                continue;
            }

            int run = 1;
            while (i + run < pattern.Length && pattern[i + run] == c)
            {
                run++;
            }

            result.Append(c switch
            {
                'y' or 'Y' => new string('y', Math.Max(run, 2) == 2 ? 2 : 4),
                'M' or 'd' or 'H' or 'h' or 'm' or 's' => new string(c, Math.Min(run, c == 'M' ? 4 : 2)),
                'S' => new string('f', Math.Min(run, 7)),
                'a' => "tt",
                'E' => run >= 4 ? "dddd" : "ddd",
                'Z' or 'X' => "zzz",
                _ when char.IsAsciiLetter(c) => throw new ArgumentException(
                    $"timestamp format '{pattern}' uses '{c}', which is not supported; use y, M, d, H, h, m, s, S, a, E, Z or X and quoted text."),
                _ => Escape(c, run),
            });
            i += run;
        }

        return result.ToString();

        static string Escape(char c, int run) => string.Concat(Enumerable.Repeat(c is '%' or '\\' or '"' or ':' or '/' ? "\\" + c : c.ToString(), run));
    }

    private enum FormatKind
    {
        Iso8601,
        EpochMillis,
        EpochSeconds,
        Pattern,
    }

    private sealed record Format(FormatKind Kind, string? Pattern);
}
