namespace Delivery.Formats.Parquet.Json;

/// <summary>
/// Reads the doubles records mostly hold (prices, ratios: at most 15 digits, no exponent) without the general parser,
/// which was two thirds of the time spent on such a value. With at most 15 digits the digits form an integer below
/// 2^53 and the power of ten is at most 10^15: both are exact doubles, and IEEE division rounds their quotient
/// correctly, which is the value the general parser gives (Clinger's fast path). Anything else is left to it.
/// </summary>
internal static class ShortDouble
{
    private const int MaxDigits = 15;

    private static readonly double[] PowersOfTen =
        [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

    /// <summary>
    /// <paramref name="text"/>, a JSON number (already checked against JSON's grammar), when it has at most 15 digits,
    /// no exponent and is not zero; false otherwise, and the general parser decides.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out double value)
    {
        value = 0;
        int i = 0;
        bool negative = text.Length > 0 && text[0] == '-';
        if (negative)
        {
            i++;
        }

        long digits = 0;
        int count = 0;
        int fraction = -1; // digits after the point
        for (; i < text.Length; i++)
        {
            uint digit = (uint)(text[i] - '0');
            if (digit <= 9)
            {
                digits = (digits * 10) + digit;
                count++;
                if (fraction >= 0)
                {
                    fraction++;
                }
            }
            else if (text[i] == '.' && fraction < 0)
            {
                fraction = 0;
            }
            else
            {
                return false; // an exponent
            }
        }

        // Zero keeps its sign only through the general parser's rules; it is rare enough to leave to it.
        if (count == 0 || count > MaxDigits || digits == 0)
        {
            return false;
        }

        double result = fraction > 0 ? digits / PowersOfTen[fraction] : digits;
        value = negative ? -result : result;
        return true;
    }
}
