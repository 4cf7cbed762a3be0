using System.Globalization;
using System.Text;

namespace Delivery.Transforms.Query;

/// <summary>
/// jq's <c>strftime</c> and <c>strptime</c> for the C conversion specifiers people use in dates: %Y %y %m %d %e %H %I %M
/// %S %j %p %a %A %b %B %F %T %s %Z %z and %%. Always UTC, never the machine's locale or zone, so a partition key is the
/// same wherever it is computed.
/// </summary>
internal static class JqTime
{
    private const string Supported = "YymdeHIMSjpaAbBFTsZz%";

    /// <summary>Throws <see cref="JqException"/> when <paramref name="format"/> has a specifier this does not support.</summary>
    public static void Validate(string format, string function)
    {
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%')
            {
                continue;
            }

            if (i + 1 >= format.Length || !Supported.Contains(format[i + 1], StringComparison.Ordinal))
            {
                string found = i + 1 >= format.Length ? "a lone %" : "%" + format[i + 1];
                throw new JqException($"{function}(\"{format}\"): {found} is not supported; use %Y %y %m %d %e %H %I %M %S %j %p %a %A %b %B %F %T %s %Z %z or %%");
            }

            i++;
        }
    }

    public static string Format(DateTimeOffset time, string format)
    {
        DateTime utc = time.UtcDateTime;
        var text = new StringBuilder(format.Length + 8);
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c != '%')
            {
                text.Append(c);
                continue;
            }

            char spec = format[++i];
            _ = spec switch
            {
                'Y' => text.Append(utc.Year.ToString("D4", CultureInfo.InvariantCulture)),
                'y' => text.Append((utc.Year % 100).ToString("D2", CultureInfo.InvariantCulture)),
                'm' => text.Append(utc.Month.ToString("D2", CultureInfo.InvariantCulture)),
                'd' => text.Append(utc.Day.ToString("D2", CultureInfo.InvariantCulture)),
                'e' => text.Append(utc.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2)),
                'H' => text.Append(utc.Hour.ToString("D2", CultureInfo.InvariantCulture)),
                'I' => text.Append((((utc.Hour + 11) % 12) + 1).ToString("D2", CultureInfo.InvariantCulture)),
                'M' => text.Append(utc.Minute.ToString("D2", CultureInfo.InvariantCulture)),
                'S' => text.Append(utc.Second.ToString("D2", CultureInfo.InvariantCulture)),
                'j' => text.Append(utc.DayOfYear.ToString("D3", CultureInfo.InvariantCulture)),
                'p' => text.Append(utc.Hour < 12 ? "AM" : "PM"),
                'a' => text.Append(CultureInfo.InvariantCulture.DateTimeFormat.GetAbbreviatedDayName(utc.DayOfWeek)),
                'A' => text.Append(CultureInfo.InvariantCulture.DateTimeFormat.GetDayName(utc.DayOfWeek)),
                'b' => text.Append(CultureInfo.InvariantCulture.DateTimeFormat.GetAbbreviatedMonthName(utc.Month)),
                'B' => text.Append(CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(utc.Month)),
                'F' => text.Append(utc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                'T' => text.Append(utc.ToString("HH:mm:ss", CultureInfo.InvariantCulture)),
                's' => text.Append(time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
                'Z' => text.Append("UTC"),
                'z' => text.Append("+0000"),
                _ => text.Append('%'),
            };
        }

        return text.ToString();
    }

    /// <summary>jq's <c>strptime</c>: the whole of <paramref name="text"/> must match <paramref name="format"/>.</summary>
    public static DateTimeOffset Parse(string text, string format)
    {
        int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, dayOfYear = 0;
        bool pm = false, twelveHour = false;
        TimeSpan offset = TimeSpan.Zero;
        int at = 0;
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c != '%')
            {
                Expect(text, ref at, c, format);
                continue;
            }

            char spec = format[++i];
            switch (spec)
            {
                case 'Y': year = Digits(text, ref at, 4, 4, format); break;
                case 'y': year = 2000 + Digits(text, ref at, 2, 2, format); break;
                case 'm': month = Digits(text, ref at, 1, 2, format); break;
                case 'd' or 'e': SkipSpace(text, ref at); day = Digits(text, ref at, 1, 2, format); break;
                case 'H': hour = Digits(text, ref at, 1, 2, format); break;
                case 'I': hour = Digits(text, ref at, 1, 2, format); twelveHour = true; break;
                case 'M': minute = Digits(text, ref at, 1, 2, format); break;
                case 'S': second = Digits(text, ref at, 1, 2, format); break;
                case 'j': dayOfYear = Digits(text, ref at, 1, 3, format); break;
                case 'p': pm = Word(text, ref at, ["AM", "PM"], format) == 1; break;
                case 'b': month = 1 + Word(text, ref at, CultureInfo.InvariantCulture.DateTimeFormat.AbbreviatedMonthNames[..12], format); break;
                case 'B': month = 1 + Word(text, ref at, CultureInfo.InvariantCulture.DateTimeFormat.MonthNames[..12], format); break;
                case 'a': Word(text, ref at, CultureInfo.InvariantCulture.DateTimeFormat.AbbreviatedDayNames, format); break;
                case 'A': Word(text, ref at, CultureInfo.InvariantCulture.DateTimeFormat.DayNames, format); break;
                case 'F':
                    year = Digits(text, ref at, 4, 4, format);
                    Expect(text, ref at, '-', format);
                    month = Digits(text, ref at, 1, 2, format);
                    Expect(text, ref at, '-', format);
                    day = Digits(text, ref at, 1, 2, format);
                    break;
                case 'T':
                    hour = Digits(text, ref at, 1, 2, format);
                    Expect(text, ref at, ':', format);
                    minute = Digits(text, ref at, 1, 2, format);
                    Expect(text, ref at, ':', format);
                    second = Digits(text, ref at, 1, 2, format);
                    break;
                case 's':
                    return DateTimeOffset.FromUnixTimeSeconds(Digits(text, ref at, 1, 12, format));
                case 'Z': Word(text, ref at, ["UTC", "GMT", "Z"], format); break;
                case 'z': offset = ZoneOffset(text, ref at, format); break;
                default: Expect(text, ref at, '%', format); break;
            }
        }

        if (at != text.Length)
        {
            throw new JqException($"strptime(\"{format}\"): '{text}' has extra text after position {at}");
        }

        if (twelveHour)
        {
            hour = (hour % 12) + (pm ? 12 : 0);
        }

        try
        {
            var local = dayOfYear > 0
                ? new DateTime(year, 1, 1, hour, minute, second, DateTimeKind.Unspecified).AddDays(dayOfYear - 1)
                : new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
            return new DateTimeOffset(local, offset).ToUniversalTime();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new JqException($"strptime(\"{format}\"): '{text}' is not a valid date and time", ex);
        }
    }

    /// <summary>jq's <c>fromdateiso8601</c>, a little more lenient: fractions of a second and any UTC offset are accepted.</summary>
    public static DateTimeOffset ParseIso8601(string text)
    {
        if (text.Length >= 19 && text[10] == 'T'
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset time))
        {
            return time;
        }

        throw new JqException($"fromdateiso8601: '{text}' is not an ISO 8601 time such as 2024-05-01T13:45:00Z");
    }

    private static void SkipSpace(string text, ref int at)
    {
        while (at < text.Length && text[at] == ' ')
        {
            at++;
        }
    }

    private static void Expect(string text, ref int at, char expected, string format)
    {
        if (at >= text.Length || text[at] != expected)
        {
            throw new JqException($"strptime(\"{format}\"): '{text}' does not match at position {at} (expected '{expected}')");
        }

        at++;
    }

    private static int Digits(string text, ref int at, int min, int max, string format)
    {
        int start = at;
        int value = 0;
        while (at < text.Length && at - start < max && char.IsAsciiDigit(text[at]))
        {
            value = (value * 10) + (text[at] - '0');
            at++;
        }

        if (at - start < min)
        {
            throw new JqException($"strptime(\"{format}\"): '{text}' does not match at position {start} (expected a number)");
        }

        return value;
    }

    private static int Word(string text, ref int at, string[] words, string format)
    {
        for (int i = 0; i < words.Length; i++)
        {
            if (string.Compare(text, at, words[i], 0, words[i].Length, StringComparison.OrdinalIgnoreCase) == 0)
            {
                at += words[i].Length;
                return i;
            }
        }

        throw new JqException($"strptime(\"{format}\"): '{text}' does not match at position {at} (expected one of {string.Join(", ", words)})");
    }

    // Z, +hh, +hhmm or +hh:mm.
    private static TimeSpan ZoneOffset(string text, ref int at, string format)
    {
        if (at < text.Length && text[at] is 'Z' or 'z')
        {
            at++;
            return TimeSpan.Zero;
        }

        if (at >= text.Length || text[at] is not ('+' or '-'))
        {
            throw new JqException($"strptime(\"{format}\"): '{text}' does not match at position {at} (expected a UTC offset)");
        }

        int sign = text[at++] == '-' ? -1 : 1;
        int hours = Digits(text, ref at, 2, 2, format);
        if (at < text.Length && text[at] == ':')
        {
            at++;
        }

        int minutes = at < text.Length && char.IsAsciiDigit(text[at]) ? Digits(text, ref at, 2, 2, format) : 0;
        return TimeSpan.FromMinutes(sign * ((hours * 60) + minutes));
    }
}
