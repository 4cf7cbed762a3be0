namespace Delivery.Formats.Parquet.Json;

/// <summary>
/// A fast path for the common ISO-8601 shapes, read straight from UTF-8: <c>yyyy-MM-dd</c>, then <c>T</c> or a space,
/// <c>HH:mm[:ss[.fraction]]</c> and <c>Z</c>, <c>±HH:mm</c>, <c>±HHmm</c> or nothing (UTC). Anything else is left to
/// the general parser, so this only ever speeds up what that parser accepts too.
/// </summary>
internal static class IsoTimestamp
{
    private const long MicrosPerSecond = 1_000_000;
    private static readonly int EpochDayNumber = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    public static bool TryParse(ReadOnlySpan<byte> text, out long micros)
    {
        micros = 0;
        if (text.Length < 10 || !Digits(text, 0, 4, out int year) || text[4] != '-' || !Digits(text, 5, 2, out int month) || text[7] != '-'
            || !Digits(text, 8, 2, out int day) || month is < 1 or > 12 || year < 1 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        long seconds = (long)(new DateOnly(year, month, day).DayNumber - EpochDayNumber) * 86_400;
        if (text.Length == 10)
        {
            micros = seconds * MicrosPerSecond;
            return true;
        }

        if (text.Length < 16 || text[10] is not ((byte)'T' or (byte)' ') || !Digits(text, 11, 2, out int hour) || text[13] != ':'
            || !Digits(text, 14, 2, out int minute) || hour > 23 || minute > 59)
        {
            return false;
        }

        int at = 16;
        int second = 0;
        long fraction = 0;
        if (at < text.Length && text[at] == ':')
        {
            if (!Digits(text, at + 1, 2, out second) || second > 59)
            {
                return false;
            }

            at += 3;
            if (at < text.Length && text[at] == '.')
            {
                int start = ++at;
                long scale = MicrosPerSecond;
                while (at < text.Length && text[at] >= '0' && text[at] <= '9')
                {
                    // Digits past microseconds are dropped (truncated), as the column cannot hold them.
                    if (at - start < 6)
                    {
                        scale /= 10;
                        fraction += (text[at] - '0') * scale;
                    }

                    at++;
                }

                if (at == start || at - start > 9)
                {
                    return false;
                }
            }
        }

        long offsetSeconds = 0;
        if (at < text.Length)
        {
            if (text[at] == 'Z' && at == text.Length - 1)
            {
                at++;
            }
            else if (text[at] is (byte)'+' or (byte)'-' && Digits(text, at + 1, 2, out int offsetHours))
            {
                int sign = text[at] == '-' ? -1 : 1;
                int minutesAt = at + 3 < text.Length && text[at + 3] == ':' ? at + 4 : at + 3;
                if (!Digits(text, minutesAt, 2, out int offsetMinutes) || minutesAt + 2 != text.Length || offsetHours > 14 || offsetMinutes > 59)
                {
                    return false;
                }

                offsetSeconds = sign * ((offsetHours * 3600L) + (offsetMinutes * 60L));
                at = text.Length;
            }
            else
            {
                return false;
            }
        }

        if (at != text.Length)
        {
            return false;
        }

        micros = ((seconds + (hour * 3600L) + (minute * 60L) + second - offsetSeconds) * MicrosPerSecond) + fraction;
        return true;
    }

    /// <summary>Exactly <c>yyyy-MM-dd</c>, a valid date: its <see cref="DateOnly.DayNumber"/>. Anything else is left to the general parser.</summary>
    public static bool TryParseDate(ReadOnlySpan<byte> text, out int dayNumber)
    {
        dayNumber = 0;
        if (text.Length != 10 || !Digits(text, 0, 4, out int year) || text[4] != '-' || !Digits(text, 5, 2, out int month) || text[7] != '-'
            || !Digits(text, 8, 2, out int day) || month is < 1 or > 12 || year < 1 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        dayNumber = new DateOnly(year, month, day).DayNumber;
        return true;
    }

    private static bool Digits(ReadOnlySpan<byte> text, int start, int count, out int value)
    {
        value = 0;
        if (start + count > text.Length)
        {
            return false;
        }

        for (int i = start; i < start + count; i++)
        {
            int digit = text[i] - '0';
            if ((uint)digit > 9)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        return true;
    }
}
