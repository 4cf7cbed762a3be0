using System.Globalization;
using System.Numerics;

namespace Delivery.Formats.Parquet.Json;

/// <summary>
/// Reads a JSON number's text exactly (no binary floating point in between) as the unscaled integer of a
/// <c>decimal(p,s)</c>: digits beyond the scale are rounded half up, as Hive does, and a value needing more than p
/// digits is refused.
/// </summary>
internal static class DecimalReader
{
    private static readonly long[] PowersOfTen = [.. Enumerable.Range(0, 19).Select(n => (long)Math.Pow(10, n))];

    /// <summary>
    /// The common case without allocation: plain decimal text (no exponent) whose digits up to the scale fit 18 digits.
    /// Returns false to send anything else to <see cref="TryRead"/>, which gives the same result for what this accepts.
    /// </summary>
    public static bool TryReadSmall(ReadOnlySpan<byte> text, int precision, int scale, out long unscaled)
    {
        unscaled = 0;
        int at = 0;
        bool negative = false;
        if (at < text.Length && text[at] is (byte)'-' or (byte)'+')
        {
            negative = text[at] == '-';
            at++;
        }

        long value = 0;
        int digits = 0;
        int start = at;
        while (at < text.Length && (uint)(text[at] - '0') <= 9)
        {
            value = (value * 10) + (text[at++] - '0');
            if (value != 0 && ++digits + scale > 18)
            {
                return false;
            }
        }

        bool anyDigit = at > start;
        int fractionDigits = 0;
        bool roundUp = false;
        if (at < text.Length && text[at] == '.')
        {
            at++;
            int fractionStart = at;
            while (at < text.Length && (uint)(text[at] - '0') <= 9)
            {
                if (fractionDigits < scale)
                {
                    value = (value * 10) + (text[at] - '0');
                    fractionDigits++;
                }
                else if (at - fractionStart == scale)
                {
                    roundUp = text[at] >= '5'; // half up: the first dropped digit decides
                }

                at++;
            }

            anyDigit |= at > fractionStart;
        }

        if (!anyDigit || at != text.Length)
        {
            return false;
        }

        value = (value * PowersOfTen[scale - fractionDigits]) + (roundUp ? 1 : 0);
        if (precision <= 18 && value >= PowersOfTen[precision])
        {
            return false; // the general path reports the overflow
        }

        unscaled = negative ? -value : value;
        return true;
    }

    public static bool TryRead(ReadOnlySpan<char> text, int precision, int scale, out BigInteger unscaled, out string? problem)
    {
        unscaled = BigInteger.Zero;
        problem = null;
        int at = 0;
        bool negative = false;
        if (at < text.Length && text[at] is '-' or '+')
        {
            negative = text[at] == '-';
            at++;
        }

        int digitsStart = at;
        var digits = new System.Text.StringBuilder(text.Length);
        while (at < text.Length && char.IsAsciiDigit(text[at]))
        {
            digits.Append(text[at++]);
        }

        int fractionDigits = 0;
        if (at < text.Length && text[at] == '.')
        {
            at++;
            while (at < text.Length && char.IsAsciiDigit(text[at]))
            {
                digits.Append(text[at++]);
                fractionDigits++;
            }
        }

        if (digits.Length == 0 || at == digitsStart)
        {
            problem = "is not a number";
            return false;
        }

        int exponent = 0;
        if (at < text.Length && text[at] is 'e' or 'E')
        {
            at++;
            if (!int.TryParse(text[at..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent) || Math.Abs(exponent) > 1000)
            {
                problem = "has an invalid exponent";
                return false;
            }

            at = text.Length;
        }

        if (at != text.Length)
        {
            problem = "is not a number";
            return false;
        }

        BigInteger value = BigInteger.Parse(digits.ToString(), NumberStyles.None, CultureInfo.InvariantCulture);
        int shift = exponent - fractionDigits + scale;
        if (shift >= 0)
        {
            value *= BigInteger.Pow(10, shift);
        }
        else
        {
            BigInteger divisor = BigInteger.Pow(10, -shift);
            BigInteger quotient = BigInteger.DivRem(value, divisor, out BigInteger remainder);
            value = remainder * 2 >= divisor ? quotient + 1 : quotient;
        }

        if (value >= BigInteger.Pow(10, precision))
        {
            problem = $"does not fit decimal({precision},{scale})";
            return false;
        }

        unscaled = negative ? -value : value;
        return true;
    }

    /// <summary>Writes <paramref name="unscaled"/> as big-endian two's complement filling <paramref name="target"/>.</summary>
    public static void WriteFixed(BigInteger unscaled, Span<byte> target)
    {
        Span<byte> bytes = stackalloc byte[32];
        if (!unscaled.TryWriteBytes(bytes, out int written, isUnsigned: false, isBigEndian: true) || written > target.Length)
        {
            throw new InvalidOperationException("A decimal value did not fit its fixed length; precision checks should have caught it.");
        }

        target[..(target.Length - written)].Fill(unscaled.Sign < 0 ? (byte)0xFF : (byte)0);
        bytes[..written].CopyTo(target[(target.Length - written)..]);
    }
}
