using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Delivery.Formats.Parquet.Schema;

namespace Delivery.IntegrationTests.Formats.Parquet;

/// <summary>
/// Seeded records covering every column type with nulls, missing keys, empty values, unicode, very long strings, the
/// extremes of every number type, timestamps at both precisions before and after 1970, and nesting, each with the
/// values a reader must return for it (the canonical forms of <c>tests/parquet-readers/read.mjs</c>).
/// </summary>
internal static class EveryTypeRows
{
    public static readonly ParquetColumn[] Columns =
    [
        new("id", "bigint", Nullable: false),
        new("s", "string"),
        new("flag", "boolean"),
        new("tiny", "tinyint"),
        new("small", "smallint"),
        new("i", "int"),
        new("b", "bigint"),
        new("f", "float"),
        new("d", "double"),
        new("dec", "decimal(9,2)"),
        new("dec18", "decimal(18,6)"),
        new("dec38", "decimal(38,10)"),
        new("day", "date"),
        new("ts", "timestamp"),
        new("tsu", "timestamp", TimestampUnit: TimestampUnit.Microseconds),
        new("bin", "binary"),
        new("st", "struct<name:string,n:int,inner:struct<x:double>>"),
        new("tags", "array<string>"),
        new("nums", "array<bigint>"),
        new("attrs", "map<string,int>"),
        new("events", "array<struct<kind:string,at:timestamp>>"),
        new("matrix", "array<array<int>>"),
    ];

    public static readonly IReadOnlyList<string> TimestampFormats = ["iso8601", "millis"];

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly string[] Strings =
    [
        "", "plain", "ünïcödé 日本語 🎉 עברית", "quote \" backslash \\ newline \n tab \t", "nul \u0000 inside", "  spaced  ",
    ];

    public static List<(string Json, JsonObject Expected)> Create(int count, int seed = 42)
    {
        var random = new Random(seed);
        var rows = new List<(string, JsonObject)>(count);
        for (int row = 0; row < count; row++)
        {
            var input = new JsonObject();
            var expected = new JsonObject();
            input["id"] = row;
            expected["id"] = row.ToString(CultureInfo.InvariantCulture);
            Add(random, input, expected, "s", () => StringValue(random, row));
            Add(random, input, expected, "flag", () => Same(random.Next(2) == 0));
            Add(random, input, expected, "tiny", () => Same(Pick(random, sbyte.MinValue, sbyte.MaxValue, 0, random.Next(-128, 128))));
            Add(random, input, expected, "small", () => Same(Pick(random, short.MinValue, short.MaxValue, -1, random.Next(-32768, 32768))));
            Add(random, input, expected, "i", () => Same(Pick(random, int.MinValue, int.MaxValue, 0, random.Next())));
            Add(random, input, expected, "b", () => BigIntValue(Pick(random, long.MinValue, long.MaxValue, 0L, random.NextInt64(long.MinValue, long.MaxValue))));
            Add(random, input, expected, "f", () => FloatValue(random));
            Add(random, input, expected, "d", () => Same(Pick(random, double.MaxValue, -double.MaxValue, double.Epsilon, 1e-300, Math.PI, -123.456, random.NextDouble() * 1e6)));
            Add(random, input, expected, "dec", () => DecimalValue(random, 9, 2, row));
            Add(random, input, expected, "dec18", () => DecimalValue(random, 18, 6, row));
            Add(random, input, expected, "dec38", () => DecimalValue(random, 38, 10, row));
            Add(random, input, expected, "day", () => DateValue(random));
            Add(random, input, expected, "ts", () => TimestampValue(random, micros: false));
            Add(random, input, expected, "tsu", () => TimestampValue(random, micros: true));
            Add(random, input, expected, "bin", () =>
            {
                byte[] bytes = new byte[random.Next(0, 40)];
                random.NextBytes(bytes);
                string base64 = Convert.ToBase64String(bytes);
                return (base64, base64);
            });
            Add(random, input, expected, "st", () => StructValue(random));
            Add(random, input, expected, "tags", () => ArrayOf(random, () => StringValue(random, row)));
            Add(random, input, expected, "nums", () => ArrayOf(random, () => BigIntValue(Pick(random, long.MinValue, long.MaxValue, random.NextInt64()))));
            Add(random, input, expected, "attrs", () => MapValue(random));
            Add(random, input, expected, "events", () => ArrayOf(random, () =>
            {
                (JsonNode? kindIn, JsonNode? kindOut) = random.Next(5) == 0 ? (null, null) : StringValue(random, row);
                (JsonNode? atIn, JsonNode? atOut) = random.Next(5) == 0 ? (null, null) : TimestampValue(random, micros: false);
                return (new JsonObject { ["kind"] = kindIn, ["at"] = atIn }, new JsonObject { ["kind"] = kindOut, ["at"] = atOut });
            }));
            Add(random, input, expected, "matrix", () => ArrayOf(random, () => ArrayOf(random, () => Same(random.Next(-1000, 1000)))));
            if (random.Next(10) == 0)
            {
                input["not_in_schema"] = "dropped, as Firehose drops it";
            }

            string json = row % 2 == 0 ? input.ToJsonString() : input.ToJsonString(Relaxed);
            rows.Add((json, expected));
        }

        return rows;
    }

    private static void Add(Random random, JsonObject input, JsonObject expected, string name, Func<(JsonNode? In, JsonNode? Out)> value)
    {
        int roll = random.Next(20);
        if (roll == 0)
        {
            expected[name] = null; // key left out
            return;
        }

        if (roll == 1)
        {
            input[name] = null;
            expected[name] = null;
            return;
        }

        (JsonNode? inValue, JsonNode? outValue) = value();
        input[name] = inValue;
        expected[name] = outValue;
    }

    private static (JsonNode?, JsonNode?) Same<T>(T value) => (JsonValue.Create(value), JsonValue.Create(value));

    private static T Pick<T>(Random random, params T[] choices) => choices[random.Next(choices.Length)];

    private static (JsonNode?, JsonNode?) StringValue(Random random, int row)
    {
        string value = random.Next(8) switch
        {
            0 or 1 => Strings[random.Next(Strings.Length)],
            2 when row % 400 == 7 => new string('x', 1000) + string.Concat(Enumerable.Repeat("long ünïcödé text 🎉 ", 8000)),
            _ => "word" + random.Next(60),
        };
        return (JsonValue.Create(value), JsonValue.Create(value));
    }

    private static (JsonNode?, JsonNode?) BigIntValue(long value) =>
        (JsonValue.Create(value), JsonValue.Create(value.ToString(CultureInfo.InvariantCulture)));

    private static (JsonNode?, JsonNode?) FloatValue(Random random)
    {
        // The input is any double; the column keeps the nearest float, which is what every reader must return.
        double input = Pick(random, (double)float.MaxValue, (double)float.Epsilon, 1.1, -3.75, 0.0, random.NextDouble() * 1000);
        return (JsonValue.Create(input), JsonValue.Create((double)(float)input));
    }

    private static (JsonNode?, JsonNode?) DecimalValue(Random random, int precision, int scale, int row)
    {
        // A few texts with more digits than the scale: they are rounded half up, as Hive does.
        if (row % 97 == 3)
        {
            decimal rounded = Math.Round(1.0050000000005m, scale, MidpointRounding.AwayFromZero);
            return (JsonValue.Create("1.0050000000005"), JsonValue.Create(rounded.ToString("F" + scale.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)));
        }

        BigInteger limit = BigInteger.Pow(10, precision) - 1;
        BigInteger unscaled = random.Next(4) switch
        {
            0 => limit,
            1 => -limit,
            2 => 0,
            _ => new BigInteger(random.NextInt64()) * new BigInteger(random.NextInt64()) % limit,
        };
        string text = Format(unscaled, scale);
        JsonNode input = random.Next(2) == 0 ? JsonNode.Parse(text)! : JsonValue.Create(text);
        return (input, JsonValue.Create(text));
    }

    private static string Format(BigInteger unscaled, int scale)
    {
        string digits = BigInteger.Abs(unscaled).ToString(CultureInfo.InvariantCulture).PadLeft(scale + 1, '0');
        string text = scale == 0 ? digits : digits[..^scale] + "." + digits[^scale..];
        return unscaled.Sign < 0 ? "-" + text : text;
    }

    private static (JsonNode?, JsonNode?) DateValue(Random random)
    {
        DateOnly date = Pick(random, new DateOnly(1, 1, 1), new DateOnly(9999, 12, 31), new DateOnly(1970, 1, 1), new DateOnly(1969, 12, 31),
            new DateOnly(2024, 2, 29), DateOnly.FromDayNumber(random.Next(DateOnly.MinValue.DayNumber, DateOnly.MaxValue.DayNumber)));
        string text = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        int days = date.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
        return (random.Next(3) == 0 ? JsonValue.Create(days) : JsonValue.Create(text), JsonValue.Create(text));
    }

    private static (JsonNode?, JsonNode?) TimestampValue(Random random, bool micros)
    {
        long min = new DateTimeOffset(1900, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000;
        long max = new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000;
        long value = Pick(random, -1L, 0L, 1_700_000_000_123_456L, random.NextInt64(min, max));
        if (!micros)
        {
            value = (long)Math.Floor(value / 1000.0) * 1000;
        }

        DateTimeOffset instant = DateTimeOffset.UnixEpoch.AddTicks(value * 10);
        JsonNode input = random.Next(4) switch
        {
            0 when !micros => JsonValue.Create(value / 1000), // epoch milliseconds
            1 => JsonValue.Create(instant.ToOffset(TimeSpan.FromMinutes(330)).ToString(micros ? "yyyy-MM-dd'T'HH:mm:ss.ffffffzzz" : "yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture)),
            2 => JsonValue.Create(instant.ToString(micros ? "yyyy-MM-dd HH:mm:ss.ffffff" : "yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)),
            _ => JsonValue.Create(instant.ToString(micros ? "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'" : "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)),
        };
        return (input, JsonValue.Create(value.ToString(CultureInfo.InvariantCulture)));
    }

    private static (JsonNode?, JsonNode?) StructValue(Random random)
    {
        var input = new JsonObject();
        var expected = new JsonObject { ["name"] = null, ["n"] = null, ["inner"] = null };
        if (random.Next(4) != 0)
        {
            string name = "name" + random.Next(10);
            input["NAME"] = name; // keys match ignoring case, as the OpenX SerDe does by default
            expected["name"] = name;
        }

        if (random.Next(4) != 0)
        {
            int n = random.Next();
            input["n"] = n;
            expected["n"] = n;
        }

        int inner = random.Next(3);
        if (inner == 0)
        {
            input["inner"] = new JsonObject();
            expected["inner"] = new JsonObject { ["x"] = null };
        }
        else if (inner == 1)
        {
            double x = random.NextDouble();
            input["inner"] = new JsonObject { ["x"] = x, ["ignored"] = true };
            expected["inner"] = new JsonObject { ["x"] = x };
        }

        return (input, expected);
    }

    private static (JsonNode?, JsonNode?) ArrayOf(Random random, Func<(JsonNode? In, JsonNode? Out)> element)
    {
        var input = new JsonArray();
        var expected = new JsonArray();
        int count = random.Next(5) == 0 ? 0 : random.Next(1, 6);
        for (int i = 0; i < count; i++)
        {
            (JsonNode? inValue, JsonNode? outValue) = random.Next(8) == 0 ? (null, null) : element();
            input.Add(inValue);
            expected.Add(outValue);
        }

        return (input, expected);
    }

    private static (JsonNode?, JsonNode?) MapValue(Random random)
    {
        var input = new JsonObject();
        var expected = new JsonArray();
        int count = random.Next(5) == 0 ? 0 : random.Next(1, 5);
        for (int i = 0; i < count; i++)
        {
            string key = "k" + i + (random.Next(2) == 0 ? "ü" : "");
            int? value = random.Next(6) == 0 ? null : random.Next(-5, 5);
            input[key] = value;
            expected.Add(new JsonArray(JsonValue.Create(key), value is null ? null : JsonValue.Create(value.Value)));
        }

        return (input, expected);
    }

    public static SourceRecord Record(string json, int index) =>
        new(new ShardPosition((1000 + index).ToString(CultureInfo.InvariantCulture)), "k", DateTimeOffset.UnixEpoch, Encoding.UTF8.GetBytes(json));
}
