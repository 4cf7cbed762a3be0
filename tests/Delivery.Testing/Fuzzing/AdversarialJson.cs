using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Delivery.Testing.Fuzzing;

/// <summary>
/// JSON records for property tests: objects with the fields the fuzz schemas and queries read (<see cref="Fields"/>),
/// each value either an ordinary one for its field or one that parses as JSON but that .NET cannot always turn into a
/// value (1e400, integers past long, lone surrogate escapes, invalid UTF-8 inside strings, dates past year 9999, nesting
/// past the reader's depth), and some records then mutated byte by byte.
/// </summary>
public static class AdversarialJson
{
    /// <summary>The fields documents use; a fuzz schema names columns after them.</summary>
    public static IReadOnlyList<string> Fields { get; } =
        ["id", "n", "price", "big", "ratio", "f", "at", "day", "small", "flag", "name", "bin", "tags", "inner", "m", "mi", "c", "extra"];

    /// <summary>Partition values: ordinary ones, and ones an S3 key cannot take once a query slices or copies them.</summary>
    public static IReadOnlyList<string> PartitionValues { get; } =
        ["x", "y", "z", "a/b", "😀", "🤖x", "", ".", "..", "a#b", "tab\there", new('k', 400), new('w', 600)];

    private static readonly string[] EdgeValues =
    [
        "1e400", "-1e400", "1E+400", "4.9e-325", "1e-999999", "1e999999", "1e-1000", "123456789012345678901234567890",
        "-9223372036854775809", "9223372036854775808", "79228162514264337593543950335", "-79228162514264337593543950336",
        "7.9e28", "-0", "0.0000000000000000000000000000001", "2147483648", "-129", "128", "32768", "1.5", "-2.5e-3",
        "\"\\ud800\"", "\"\\udc00\"", "\"x\\ud83d\"", "\"\\ud83d\\ude00\"", "\"\\ud800\\u0041\"", "\"\\u0000\"", "\"\\\"\\/\\b\"",
        "\"99999-01-01\"", "\"0000-01-01\"", "\"2024-02-30\"", "\"9999-12-31T23:59:59-14:00\"", "\"0001-01-01T00:00:00+14:00\"",
        "\"0001-01-01 00:00:00\"", "\"2024-05-01T13:45:00.1234567891Z\"", "\"+99999-01-01T00:00:00Z\"", "\"1e400\"", "\"NaN\"",
        "\"Infinity\"", "\"79228162514264337593543950335\"", "\" 12 \"", "\"true\"", "\"\"", "\"..\"", "\"aGVsbG8=\"",
        "\"not base64\"", "true", "false", "null", "{}", "[]", "[1,\"x\",null,[]]", "{\"flag\":\"maybe\",\"when\":1e400}",
    ];

    // Byte sequences that are not UTF-8: a broken pair, an encoded surrogate, a 5-byte form, an overlong '/', stray bytes.
    private static readonly byte[][] InvalidUtf8 = [[0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC0, 0xAF], [0xFF], [0x80], [0xF4, 0x90, 0x80, 0x80]];

    private static readonly byte[] InterestingBytes = "\"\\{}[],:0e-."u8.ToArray().Concat(new byte[] { 0x00, 0x0A, 0x80, 0xC3, 0xFF }).ToArray();

    /// <summary>One record: usually a document, sometimes several back to back, a lone value or deep nesting; a quarter are mutated.</summary>
    public static byte[] Record(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        byte[] json = random.Next(12) switch
        {
            0 => [.. Document(random), .. " "u8, .. Document(random)],
            1 => Encoding.UTF8.GetBytes(EdgeValues[random.Next(EdgeValues.Length)]),
            2 => Deep(random.Next(2) == 0 ? random.Next(60, 70) : 300),
            _ => Document(random),
        };
        return random.Next(4) == 0 ? Mutate(random, json) : json;
    }

    /// <summary>An object with some of <see cref="Fields"/>; about a third of its values are edge values.</summary>
    public static byte[] Document(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var json = new List<byte>(256) { (byte)'{' };
        int count = random.Next(1, 9);
        for (int i = 0; i < count; i++)
        {
            if (i > 0)
            {
                json.Add((byte)',');
            }

            string field = random.Next(8) == 0 ? "c" : Fields[random.Next(Fields.Count)];
            Key(random, field, json);
            json.Add((byte)':');
            Value(random, field, json);
        }

        json.Add((byte)'}');
        return [.. json];
    }

    /// <summary>Nesting <paramref name="depth"/> levels deep, around and past the readers' limit of 64.</summary>
    public static byte[] Deep(int depth) => Encoding.ASCII.GetBytes("{\"c\":" + new string('[', depth) + "1" + new string(']', depth) + "}");

    /// <summary>One to three byte-level changes: flips, bytes JSON cares about, cuts, repeats, and spliced edge values.</summary>
    public static byte[] Mutate(Random random, byte[] input)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(input);
        var bytes = new List<byte>(input);
        int mutations = random.Next(1, 4);
        for (int i = 0; i < mutations; i++)
        {
            int at = random.Next(bytes.Count + 1);
            switch (random.Next(6))
            {
                case 0 when bytes.Count > 0:
                    bytes[Math.Min(at, bytes.Count - 1)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[Math.Min(at, bytes.Count - 1)] = InterestingBytes[random.Next(InterestingBytes.Length)];
                    break;
                case 2:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 8), bytes.Count - at));
                    break;
                case 3:
                    bytes.InsertRange(at, bytes.GetRange(at, Math.Min(random.Next(1, 16), bytes.Count - at)));
                    break;
                case 4:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default:
                    bytes.InsertRange(at, random.Next(2) == 0 ? InvalidUtf8[random.Next(InvalidUtf8.Length)] : Encoding.UTF8.GetBytes(EdgeValues[random.Next(EdgeValues.Length)]));
                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>A JSON string holding <paramref name="text"/>, escaped as the default encoder escapes (non-ASCII as \u).</summary>
    public static byte[] String(string text) => JsonSerializer.SerializeToUtf8Bytes(text);

    /// <summary>Text for a string value: letters, escapes JSON needs, non-ASCII, surrogate pairs and control characters.</summary>
    public static string Text(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        string[] pieces = ["a", "b", "xyz", " ", "/", "\\", "\"", "\n", "é", "ü", "😀", "\u0001", "\u2028", "<&>", "{", "}", "%Y"];
        var text = new StringBuilder();
        int count = random.Next(0, 8);
        for (int i = 0; i < count; i++)
        {
            text.Append(pieces[random.Next(pieces.Length)]);
        }

        return text.ToString();
    }

    private static void Key(Random random, string field, List<byte> json)
    {
        switch (random.Next(24))
        {
            case 0:
                json.AddRange("\"\\ud800"u8);
                json.AddRange(Encoding.UTF8.GetBytes(field));
                json.Add((byte)'"');
                break;
            case 1:
                json.Add((byte)'"');
                json.AddRange(InvalidUtf8[random.Next(InvalidUtf8.Length)]);
                json.AddRange(Encoding.UTF8.GetBytes(field));
                json.Add((byte)'"');
                break;
            case 2:
                // The same name with its first letter escaped: readers must unescape names to match them.
                json.AddRange(Encoding.ASCII.GetBytes($"\"\\u{(int)field[0]:x4}{field[1..]}\""));
                break;
            default:
                json.AddRange(String(field));
                break;
        }
    }

    private static void Value(Random random, string field, List<byte> json)
    {
        switch (random.Next(9))
        {
            case 0 or 1:
                json.AddRange(Encoding.UTF8.GetBytes(EdgeValues[random.Next(EdgeValues.Length)]));
                return;
            case 2:
                json.Add((byte)'"');
                json.AddRange("ok"u8);
                json.AddRange(InvalidUtf8[random.Next(InvalidUtf8.Length)]);
                json.Add((byte)'"');
                return;
        }

        json.AddRange(Encoding.UTF8.GetBytes(field switch
        {
            "id" => random.NextInt64(long.MinValue, long.MaxValue).ToString(CultureInfo.InvariantCulture),
            "n" or "small" => random.Next(-200, 200).ToString(CultureInfo.InvariantCulture),
            "price" => (random.Next(-99999, 99999) / 100m).ToString(CultureInfo.InvariantCulture),
            "big" => $"{random.NextInt64():D19}{random.Next(100000):D5}.{random.Next(10000):D4}",
            "ratio" or "f" => (random.NextDouble() * Math.Pow(10, random.Next(-40, 40))).ToString("R", CultureInfo.InvariantCulture),
            "at" => random.Next(3) == 0
                ? random.NextInt64(-62135596800000, 253402300799999).ToString(CultureInfo.InvariantCulture)
                : Encoding.UTF8.GetString(String(DateTimeOffset.FromUnixTimeSeconds(random.NextInt64(-62135596800, 253402300799)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture))),
            "day" => Encoding.UTF8.GetString(String(DateOnly.FromDayNumber(random.Next(DateOnly.MaxValue.DayNumber)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))),
            "flag" => random.Next(2) == 0 ? "true" : "false",
            "bin" => Encoding.UTF8.GetString(String(Convert.ToBase64String(Encoding.UTF8.GetBytes(Text(random))))),
            "tags" => "[" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ => random.Next(-5, 5).ToString(CultureInfo.InvariantCulture))) + "]",
            "inner" => $"{{\"flag\":{(random.Next(2) == 0 ? "true" : "\"false\"")},\"when\":\"2024-05-01T13:45:00Z\"}}",
            "m" => $"{{\"a\":{random.Next(9)},\"{Escape(Text(random))}\":{random.Next(9)}}}",
            "mi" => $"{{\"{random.Next(-9, 9)}\":\"v\",\"{Escape(Text(random))}\":\"w\"}}",
            "c" => Encoding.UTF8.GetString(String(PartitionValues[random.Next(PartitionValues.Count)])),
            _ => Encoding.UTF8.GetString(String(Text(random))),
        }));
    }

    private static string Escape(string text) => Encoding.UTF8.GetString(String(text))[1..^1];
}
