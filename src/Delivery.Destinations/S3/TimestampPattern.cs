using System.Globalization;
using System.Text;

namespace Delivery.Destinations.S3;

/// <summary>
/// The subset of Java <c>DateTimeFormatter</c> patterns that Firehose documents for <c>!{timestamp:...}</c>: the fields
/// yyyy, yy, MM, dd, HH, mm and ss, 'quoted text', and any other non-letter character as itself. Compiled once at
/// start; formatting appends digits with no culture involved, so a key never depends on the machine it is built on.
/// The caller converts the time to the key's zone first (UTC unless <c>CustomTimeZone</c> says otherwise).
/// </summary>
internal sealed class TimestampPattern
{
    private readonly Part[] _parts;

    private TimestampPattern(Part[] parts)
    {
        _parts = parts;
    }

    /// <summary>Compiles <paramref name="pattern"/>, or says what is wrong with it in <paramref name="error"/>.</summary>
    public static bool TryParse(string pattern, out TimestampPattern? result, out string? error)
    {
        result = null;
        if (pattern.Length == 0)
        {
            error = "the timestamp pattern is empty";
            return false;
        }

        var parts = new List<Part>();
        int i = 0;
        while (i < pattern.Length)
        {
            char c = pattern[i];
            if (char.IsAsciiLetter(c))
            {
                int end = i;
                while (end < pattern.Length && pattern[end] == c)
                {
                    end++;
                }

                string run = pattern[i..end];
                if (FieldOf(run) is not { } field)
                {
                    error = $"'{run}' is not a supported timestamp field (use yyyy, yy, MM, dd, HH, mm or ss)";
                    return false;
                }

                parts.Add(new Part(field, null));
                i = end;
            }
            else if (c == '\'')
            {
                if (!TryReadQuoted(pattern, ref i, out string? text))
                {
                    error = "a quoted text in the timestamp pattern is not closed";
                    return false;
                }

                parts.Add(new Part(Field.Literal, text));
            }
            else if (c is '[' or ']' or '{' or '}' or '#')
            {
                error = $"'{c}' is reserved in timestamp patterns; quote it ('{c}') to use it as text";
                return false;
            }
            else
            {
                parts.Add(new Part(Field.Literal, c.ToString()));
                i++;
            }
        }

        result = new TimestampPattern([.. parts]);
        error = null;
        return true;
    }

    /// <summary>Compiles a pattern known to be valid (the built-in ones).</summary>
    public static TimestampPattern Parse(string pattern) =>
        TryParse(pattern, out TimestampPattern? result, out string? error) ? result! : throw new FormatException(error);

    /// <summary>Appends the wall-clock fields of <paramref name="time"/> (already in the key's time zone) in this pattern.</summary>
    public void AppendTo(StringBuilder builder, DateTime time)
    {
        foreach (Part part in _parts)
        {
            _ = part.Field switch
            {
                Field.Year4 => builder.Append(time.Year.ToString("D4", CultureInfo.InvariantCulture)),
                Field.Year2 => AppendTwoDigits(builder, time.Year % 100),
                Field.Month => AppendTwoDigits(builder, time.Month),
                Field.Day => AppendTwoDigits(builder, time.Day),
                Field.Hour => AppendTwoDigits(builder, time.Hour),
                Field.Minute => AppendTwoDigits(builder, time.Minute),
                Field.Second => AppendTwoDigits(builder, time.Second),
                _ => builder.Append(part.Literal),
            };
        }
    }

    private static StringBuilder AppendTwoDigits(StringBuilder builder, int value) =>
        builder.Append((char)('0' + (value / 10))).Append((char)('0' + (value % 10)));

    private static Field? FieldOf(string run) => run switch
    {
        "yyyy" => Field.Year4,
        "yy" => Field.Year2,
        "MM" => Field.Month,
        "dd" => Field.Day,
        "HH" => Field.Hour,
        "mm" => Field.Minute,
        "ss" => Field.Second,
        _ => null,
    };

    // Java quoting: 'text' is literal and '' inside or outside quotes is one apostrophe.
    private static bool TryReadQuoted(string pattern, ref int i, out string? text)
    {
        var literal = new StringBuilder();
        i++;
        while (i < pattern.Length)
        {
            if (pattern[i] != '\'')
            {
                literal.Append(pattern[i++]);
            }
            else if (i + 1 < pattern.Length && pattern[i + 1] == '\'')
            {
                literal.Append('\'');
                i += 2;
            }
            else
            {
                i++;
                text = literal.Length == 0 ? "'" : literal.ToString();
                return true;
            }
        }

        text = null;
        return false;
    }

    private enum Field
    {
        Literal,
        Year4,
        Year2,
        Month,
        Day,
        Hour,
        Minute,
        Second,
    }

    private readonly record struct Part(Field Field, string? Literal);
}
