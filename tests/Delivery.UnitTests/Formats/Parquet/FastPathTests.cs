using System.Globalization;
using System.Numerics;
using System.Text;
using Delivery.Formats.Parquet.Json;

namespace Delivery.UnitTests.Formats.Parquet;

/// <summary>The allocation-free readers must agree with the general ones on everything they accept.</summary>
public sealed class FastPathTests
{
    [Theory]
    [InlineData("2024-02-29T12:34:56.789Z", "2024-02-29T12:34:56.7890000+00:00")]
    [InlineData("2024-02-29 12:34:56.123456", "2024-02-29T12:34:56.1234560+00:00")]
    [InlineData("1969-12-31T23:59:59.999999Z", "1969-12-31T23:59:59.9999990+00:00")]
    [InlineData("2024-01-01T05:30:00+05:30", "2024-01-01T00:00:00.0000000+00:00")]
    [InlineData("2024-01-01T00:00:00-0100", "2024-01-01T01:00:00.0000000+00:00")]
    [InlineData("2024-01-01T00:00", "2024-01-01T00:00:00.0000000+00:00")]
    [InlineData("0001-01-01", "0001-01-01T00:00:00.0000000+00:00")]
    public void IsoTimestamp_ReadsTheCommonShapes(string text, string expected)
    {
        IsoTimestamp.TryParse(Encoding.UTF8.GetBytes(text), out long micros).ShouldBeTrue();

        DateTimeOffset.UnixEpoch.AddTicks(micros * 10).ToString("o", CultureInfo.InvariantCulture).ShouldBe(expected);
    }

    [Theory]
    [InlineData("2024-02-30")]
    [InlineData("2024-13-01T00:00:00Z")]
    [InlineData("2024-01-01T24:00:00Z")]
    [InlineData("2024-01-01T00:00:00Zjunk")]
    [InlineData("2024-01-01T00:00:00.Z")]
    [InlineData("24-01-01")]
    public void IsoTimestamp_LeavesAnythingElseToTheGeneralParser(string text)
    {
        IsoTimestamp.TryParse(Encoding.UTF8.GetBytes(text), out _).ShouldBeFalse();
    }

    [Fact]
    public void SmallDecimals_AgreeWithTheGeneralReader_IncludingRounding()
    {
        var random = new Random(3);
        for (int i = 0; i < 20_000; i++)
        {
            int precision = random.Next(1, 19);
            int scale = random.Next(0, precision + 1);
            string text = (random.Next(2) == 0 ? "-" : "") + random.NextInt64(0, 10_000_000_000).ToString(CultureInfo.InvariantCulture)
                + (random.Next(3) == 0 ? "" : "." + random.Next(0, 100_000).ToString(CultureInfo.InvariantCulture).PadLeft(random.Next(1, 8), '0'));

            bool general = DecimalReader.TryRead(text, precision, scale, out BigInteger expected, out _);
            if (DecimalReader.TryReadSmall(Encoding.ASCII.GetBytes(text), precision, scale, out long fast))
            {
                general.ShouldBeTrue(text);
                fast.ShouldBe((long)expected, $"{text} as decimal({precision},{scale})");
            }
        }
    }

    [Theory]
    [InlineData("1.005", 9, 2, 101)]
    [InlineData("-1.005", 9, 2, -101)]
    [InlineData("0.004", 9, 2, 0)]
    [InlineData("12", 9, 2, 1200)]
    [InlineData(".5", 9, 0, 1)]
    public void SmallDecimals_RoundHalfUp(string text, int precision, int scale, long expected)
    {
        DecimalReader.TryReadSmall(Encoding.ASCII.GetBytes(text), precision, scale, out long value).ShouldBeTrue();

        value.ShouldBe(expected);
    }

    [Fact]
    public void ShortDoubles_AgreeWithTheGeneralParser_BitForBit()
    {
        var random = new Random(5);
        for (int i = 0; i < 200_000; i++)
        {
            int whole = random.Next(0, 3) switch { 0 => 0, 1 => random.Next(0, 1000), _ => random.Next() };
            string fraction = random.NextInt64(0, 1_000_000_000_000).ToString(CultureInfo.InvariantCulture).PadLeft(random.Next(1, 16), '0');
            string text = (random.Next(4) == 0 ? "-" : "") + whole.ToString(CultureInfo.InvariantCulture) + (random.Next(5) == 0 ? "" : "." + fraction[..random.Next(1, fraction.Length + 1)]);

            if (ShortDouble.TryParse(Encoding.ASCII.GetBytes(text), out double fast))
            {
                BitConverter.DoubleToInt64Bits(fast).ShouldBe(BitConverter.DoubleToInt64Bits(double.Parse(text, CultureInfo.InvariantCulture)), text);
            }
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0.0")]
    [InlineData("1e5")]
    [InlineData("1.5E-3")]
    [InlineData("1234567890.1234567")]
    public void ShortDoubles_LeaveZeroExponentsAndLongNumbersToTheGeneralParser(string text)
    {
        ShortDouble.TryParse(Encoding.ASCII.GetBytes(text), out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData("446.66", 446.66)]
    [InlineData("-0.05", -0.05)]
    [InlineData("123456789012345", 123456789012345.0)]
    [InlineData("0.00000000000001", 1e-14)]
    public void ShortDoubles_ReadPricesAndRatios(string text, double expected)
    {
        ShortDouble.TryParse(Encoding.ASCII.GetBytes(text), out double value).ShouldBeTrue();

        value.ShouldBe(expected);
    }
}
