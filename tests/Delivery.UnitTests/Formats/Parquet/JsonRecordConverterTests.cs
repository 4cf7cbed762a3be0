using System.Text;
using Delivery.Formats;
using Delivery.Formats.Parquet;
using Delivery.Formats.Parquet.Columns;
using Delivery.Formats.Parquet.Json;
using Delivery.Formats.Parquet.Schema;
using Delivery.Testing.Fuzzing;

namespace Delivery.UnitTests.Formats.Parquet;

/// <summary>
/// The converter's fast path (its own JSON scanner) must give exactly what the reader path gives, for every record:
/// the same entries, or the same failure with the same message. It may only leave records to the reader path.
/// </summary>
public sealed class JsonRecordConverterTests
{
    /// <summary>The fuzz schema's columns the fast path covers (no maps, binary or 38-digit decimals).</summary>
    private static readonly ParquetColumn[] Columns =
    [
        new("id", "bigint"), new("n", "int"), new("price", "decimal(5,2)"), new("ratio", "double"), new("f", "float"),
        new("at", "timestamp"), new("day", "date"), new("small", "tinyint"), new("flag", "boolean"), new("name", "string"),
        new("tags", "array<int>"), new("inner", "struct<flag:boolean,when:timestamp>"), new("c", "string", Nullable: false),
    ];

    private static readonly JsonConversionOptions[] Options =
    [
        new(),
        new() { TimestampFormats = ["millis", "yyyy-MM-dd HH:mm:ss"], CaseInsensitive = false },
        new() { TimestampFormats = ["seconds"], ConvertDotsInJsonKeysToUnderscores = true },
    ];

    [Fact]
    public void FastPath_GivesWhatTheReaderPathGives_ForAnyRecord()
    {
        JsonRecordConverter[] converters = [.. Options.Select(options => new JsonRecordConverter(ParquetSchema.Create(Columns), options))];
        int fast = 0;
        FuzzCases.Run(6000, random =>
        {
            int which = random.Next(converters.Length);
            byte[] record = random.Next(3) switch
            {
                0 => AdversarialJson.Document(random),
                1 => AdversarialJson.Record(random),
                _ => random.Next(4) == 0 ? AdversarialJson.Mutate(random, Clean(random, Options[which])) : Clean(random, Options[which]),
            };
            Compare(converters[which], record);
            fast += converters[which].UsedFastPath ? 1 : 0;
        });

        fast.ShouldBeGreaterThan(1500, "the records must exercise the fast path, not only the reader path");
    }

    [Theory]
    [InlineData("""{"id":1,"n":2,"c":"x"}""", true)]
    [InlineData(" \t\r\n{ \"id\" : 1 , \"c\" :\"x\" } \n", true)]
    [InlineData("""{"id":1,"c":"a"}{"id":2,"c":"b"} {"id":3,"c":"c"}""", true)]
    [InlineData("""{"c":"x","ratio":-0.0,"f":1e-3,"price":12.345,"small":-128,"flag":false,"tags":[],"inner":{}}""", true)]
    [InlineData("""{"c":"x","name":123.5e+7,"day":"2024-02-29","at":"2024-02-29T12:00:00.5+01:00"}""", true)]
    [InlineData("""{"c":"x","name":{"a":[1,{"b":null}]},"unknown":[true,false,null,"s",{"k":-1}]}""", true)]
    [InlineData("""{"c":"x","tags":[1,null,2]}""", true)]
    [InlineData("""{"c":"x","id":01}""", false)]
    [InlineData("""{"c":"x","id":1.}""", false)]
    [InlineData("""{"c":"x","id":.5}""", false)]
    [InlineData("""{"c":"x","id":-}""", false)]
    [InlineData("""{"c":"x","id":1e}""", false)]
    [InlineData("""{"c":"x","id":+1}""", false)]
    [InlineData("""{"c":"x","flag":tru}""", false)]
    [InlineData("""{"c":"x","name":nul}""", false)]
    [InlineData("""{"c":"x",}""", false)]
    [InlineData("""{"c":"x"}x""", false)]
    [InlineData("""{"c":"x"}]""", false)]
    [InlineData("""{"c":"x","tags":[1,]}""", false)]
    [InlineData("""{"c":"x","tags":[1 2]}""", false)]
    [InlineData("""{"c":"x" "id":1}""", false)]
    [InlineData("""{"c":"x","id":1""", false)]
    [InlineData("""{"c":"a\"b"}""", false)]
    [InlineData("""{"c":"x","c":"y"}""", false)]
    [InlineData("""{"C":"x"}""", true)]
    [InlineData("""{"\u017f":1,"c":"x"}""", false)]
    [InlineData("""{"id":1}""", false)]
    [InlineData("""{"c":null}""", false)]
    [InlineData("""{"c":"x","small":128}""", false)]
    [InlineData("""{"c":"x","n":"5"}""", false)]
    [InlineData("""{"c":"x","ratio":1e400}""", false)]
    [InlineData("""{"c":"x","f":1e39}""", false)]
    [InlineData("""{"c":"x","at":"yesterday"}""", false)]
    [InlineData("""[{"c":"x"}]""", false)]
    [InlineData("", false)]
    [InlineData("   ", false)]
    public void FastPath_TakesTheRecordsItCan_AndLeavesTheRestToTheReader(string json, bool takesFastPath)
    {
        var converter = new JsonRecordConverter(ParquetSchema.Create(Columns), new JsonConversionOptions());

        Compare(converter, Encoding.UTF8.GetBytes(json));

        converter.UsedFastPath.ShouldBe(takesFastPath);
    }

    [Fact]
    public void FastPath_LeavesNestingNearTheReadersLimitToIt()
    {
        var converter = new JsonRecordConverter(ParquetSchema.Create(Columns), new JsonConversionOptions());
        foreach (int depth in new[] { 50, 59, 60, 62, 63, 64, 65, 70 })
        {
            Compare(converter, Encoding.ASCII.GetBytes("{\"c\":\"x\",\"name\":" + new string('[', depth) + "1" + new string(']', depth) + "}"));
        }
    }

    [Fact]
    public void FastPath_LeavesRecordsThatAreNotUtf8ToTheReader()
    {
        var converter = new JsonRecordConverter(ParquetSchema.Create(Columns), new JsonConversionOptions());
        byte[] json = [.. """{"c":"a"""u8, 0xC3, 0x28, .. "\"}"u8];

        Compare(converter, json);

        converter.UsedFastPath.ShouldBeFalse();
    }

    [Theory]
    [InlineData("{\"other\":\"\u00C3(\",\"c\":\"a\"}")]
    [InlineData("{\"c\":\"a\",\"x\u00C3(\":1}")]
    [InlineData("{\"c\":\"\u00E9\",\"name\":\"\u00C3(\"}")]
    public void FastPath_LeavesABadByteInASkippedValueOrKeyToTheReader(string latin1)
    {
        // Latin-1 maps each char to one byte: 0xC3 0x28 is not UTF-8, 0xE9 alone is not either.
        var converter = new JsonRecordConverter(ParquetSchema.Create(Columns), new JsonConversionOptions());
        byte[] json = Encoding.Latin1.GetBytes(latin1);

        Compare(converter, json);

        converter.UsedFastPath.ShouldBeFalse();
    }

    [Fact]
    public void FastPath_TakesRecordsWithTextBeyondAscii()
    {
        var converter = new JsonRecordConverter(ParquetSchema.Create(Columns), new JsonConversionOptions());
        byte[] json = Encoding.UTF8.GetBytes("{\"c\":\"ünïcödé 😀\",\"name\":\"\u007f\"}");

        Compare(converter, json);

        converter.UsedFastPath.ShouldBeTrue();
    }

    /// <summary>A record as producers write them: every value fits, in any order, case and spacing, with numbers in every JSON form.</summary>
    private static byte[] Clean(Random random, JsonConversionOptions options)
    {
        string Space() => random.Next(4) == 0 ? new[] { " ", "\n", "\t", "\r\n  " }[random.Next(4)] : "";
        string Number(bool whole) => whole
            ? random.Next(-1000, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : new[] { "0", "-0", "1.5", "-2.25e-3", "6.02E23", "1e+2", "0.1", "123456.789", "-0.0", "9007199254740993" }[random.Next(10)];
        bool epoch = options.TimestampFormats.Count > 0;
        var fields = new List<string>
        {
            $"\"id\":{Number(true)}",
            $"\"n\":{(random.Next(5) == 0 ? "null" : Number(true))}",
            $"\"price\":{new[] { "12.34", "-0.5", "\"7.25\"", "999.994", "3" }[random.Next(5)]}",
            $"\"ratio\":{Number(random.Next(2) == 0)}",
            $"\"f\":{Number(random.Next(2) == 0)}",
            $"\"at\":{(epoch ? random.NextInt64(-1_000_000_000, 2_000_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture) : "\"2024-0" + random.Next(1, 10) + "-1" + random.Next(10) + "T0" + random.Next(10) + ":15:30." + random.Next(1000) + "Z\"")}",
            $"\"day\":{(random.Next(2) == 0 ? "\"2023-12-3" + random.Next(2) + "\"" : Number(true))}",
            $"\"small\":{random.Next(-128, 128)}",
            $"\"flag\":{(random.Next(2) == 0 ? "true" : "false")}",
            $"\"name\":{new[] { "\"plain\"", "\"ünïcödé 😀\"", "\"\"", "42", "true", "[1,2]", "{\"a\":null}" }[random.Next(7)]}",
            $"\"tags\":[{string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ => random.Next(5) == 0 ? "null" : Number(true)))}]",
            $"\"inner\":{{\"flag\":{(random.Next(2) == 0 ? "true" : "null")},\"when\":{(epoch ? "1700000000" : "\"2024-01-01 10:00:00\"")}}}",
            $"\"c\":\"{random.Next()}\"",
            $"\"other\":{{\"deep\":[1,\"x\",{{}}]}}",
        };
        IEnumerable<string> chosen = fields.Where(field => field.StartsWith("\"c\"", StringComparison.Ordinal) || random.Next(3) > 0).OrderBy(_ => random.Next());
        string body = string.Join("," + Space(), chosen.Select(field => options.CaseInsensitive && random.Next(8) == 0 ? field[..field.IndexOf(':', StringComparison.Ordinal)].ToUpperInvariant() + field[field.IndexOf(':', StringComparison.Ordinal)..] : field));
        return Encoding.UTF8.GetBytes(Space() + "{" + Space() + body + Space() + "}" + Space());
    }

    private static void Compare(JsonRecordConverter converter, byte[] json)
    {
        using var viaReader = new ShreddedRecord();
        using var viaFastPath = new ShreddedRecord();
        string expected = Outcome(() => converter.Convert(json, viaReader, fastPath: false), viaReader, json);
        string actual = Outcome(() => converter.Convert(json, viaFastPath, fastPath: true), viaFastPath, json);
        actual.ShouldBe(expected, Encoding.UTF8.GetString(json));
    }

    /// <summary>The entries (leaf, levels, value) by row, or the failure: what the file would get.</summary>
    private static string Outcome(Func<int> convert, ShreddedRecord record, byte[] json)
    {
        int rows;
        try
        {
            rows = convert();
        }
        catch (RecordConversionException ex)
        {
            return $"{ex.ErrorCode}: {ex.Message}";
        }
        catch (InvalidOperationException ex)
        {
            return $"{ex.GetType().Name}: {ex.Message}";
        }

        var text = new StringBuilder($"{rows} rows:");
        int start = 0;
        for (int row = 0; row < record.RowCount; row++)
        {
            text.Append(" |");
            foreach (LeafValue value in record.Values[start..record.RowEnd(row)])
            {
                if (value.Leaf >= 0)
                {
                    text.Append($" {value.Leaf}/{value.Repetition}/{value.Definition}={value.Bits}:{Convert.ToHexString(record.BytesOf(value, json))}");
                }
            }

            start = record.RowEnd(row);
        }

        return text.ToString();
    }
}
