using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Delivery.Formats;
using Delivery.Formats.Parquet;
using Delivery.Formats.Parquet.Json;
using Delivery.Formats.Parquet.Schema;
using Delivery.Testing;

namespace Delivery.IntegrationTests.Formats.Parquet;

/// <summary>
/// The Parquet files Delivery writes, read back by DuckDB, arrow-rs (parquet-wasm), hyparquet and Apache Arrow C++
/// (ParquetSharp), and compared value by value with the records that went in.
/// </summary>
public sealed class ParquetReadersTests
{
    [Theory]
    [InlineData(ParquetCompression.Snappy)]
    [InlineData(ParquetCompression.Gzip)]
    [InlineData(ParquetCompression.Uncompressed)]
    public async Task EveryType_WithNullsNestingAndExtremes_ReadsBackExactly_InEveryReader(ParquetCompression compression)
    {
        List<(string Json, JsonObject Expected)> rows = EveryTypeRows.Create(1500);
        var formatter = new ParquetFormatter(
            EveryTypeRows.Columns,
            new JsonConversionOptions { TimestampFormats = EveryTypeRows.TimestampFormats },
            new ParquetWriterSettings { Compression = compression, PageSizeBytes = 16 * 1024, BlockSizeBytes = 96 * 1024, DictionaryPageSizeLimitBytes = 4 * 1024 });

        (byte[] file, FormatResult result) = Write(formatter, rows.Select(r => r.Json));

        result.Failures.ShouldBeEmpty();
        ParquetReadout readout = await IndependentReaders.ReadParquetAsync(file);
        List<JsonObject> expected = [.. rows.Select(r => r.Expected)];
        foreach ((string reader, JsonArray actual) in readout.ByReader)
        {
            CanonicalValues.ShouldMatch(reader, expected, actual, approximateDecimals: reader == "hyparquet");
        }

        foreach ((string reader, JsonObject footer) in readout.Footers)
        {
            JsonArray groups = footer["rowGroups"]!.AsArray();
            groups.Count.ShouldBeGreaterThan(1, $"{reader}: the block size forces several row groups");
            footer["numRows"]!.GetValue<int>().ShouldBe(rows.Count, reader);
            footer["createdBy"]!.GetValue<string>().ShouldStartWith("Delivery", Case.Sensitive, reader);
            string codec = compression.ToString().ToUpperInvariant();
            groups.SelectMany(g => g!["columns"]!.AsArray()).ShouldAllBe(c => c!["codec"]!.GetValue<string>() == codec, reader);
            AssertStatistics(groups, expected);
        }
    }

    [Fact]
    public async Task Dictionary_FallsBackToPlain_WhenItGrowsTooLarge_AndValuesStayExact()
    {
        // 40 repeated values in the first pages (a dictionary pays there), then thousands of distinct ones overflow it.
        var rows = new List<string>();
        for (int i = 0; i < 6000; i++)
        {
            string name = i < 2000 ? "city-" + (i % 40) : $"unique-{i:D6}-{new string((char)('a' + (i % 26)), 20)}";
            rows.Add($$"""{"id":{{i}},"city":"{{name}}","n":{{i % 7}}}""");
        }

        var formatter = new ParquetFormatter(
            [new ParquetColumn("id", "bigint"), new ParquetColumn("city", "string"), new ParquetColumn("n", "int")],
            settings: new ParquetWriterSettings { PageSizeBytes = 4096, PageRowLimit = 500, DictionaryPageSizeLimitBytes = 16 * 1024 });

        (byte[] file, _) = Write(formatter, rows);

        ParquetReadout readout = await IndependentReaders.ReadParquetAsync(file);
        readout.Footer["rowGroups"]![0]!["columns"]!.AsArray().Single(c => c!["path"]!.GetValue<string>() == "city")!["hasDictionaryPage"]!.GetValue<bool>().ShouldBeTrue();
        foreach ((string reader, JsonObject footer) in readout.Footers)
        {
            JsonArray columns = footer["rowGroups"]![0]!["columns"]!.AsArray();
            JsonNode city = columns.Single(c => c!["path"]!.GetValue<string>() == "city")!;
            city["encodings"]!.AsArray().Select(e => e!.GetValue<string>()).ShouldBe(["PLAIN", "RLE", "RLE_DICTIONARY"], reader);
            JsonNode n = columns.Single(c => c!["path"]!.GetValue<string>() == "n")!;
            n["encodings"]!.AsArray().Select(e => e!.GetValue<string>()).ShouldContain("RLE_DICTIONARY", reader);
        }

        List<JsonObject> expected = [.. rows.Select(r => JsonNode.Parse(r)!.AsObject()).Select(o => new JsonObject
        {
            ["id"] = o["id"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture),
            ["city"] = o["city"]!.GetValue<string>(),
            ["n"] = o["n"]!.GetValue<int>(),
        })];
        foreach ((string reader, JsonArray actual) in readout.ByReader)
        {
            CanonicalValues.ShouldMatch(reader, expected, actual);
        }
    }

    [Fact]
    public async Task RecordsThatDoNotFit_AreLeftOut_AndTheOthersReadBackInOrder()
    {
        string[] records =
        [
            """{"id":1,"amount":"1.50"}""",
            """{"id":"two","amount":"2"}""",
            """{"id":3,"amount":"12345678.9"}""",
            """{"id":4,"amount":null,"tags":["a"]}""",
            """{"id":5,"tags":["b",{"nested":"object"}]}""",
            """{"id":6,"tags":"not-an-array"}""",
        ];
        var formatter = new ParquetFormatter([new ParquetColumn("id", "int"), new ParquetColumn("amount", "decimal(6,2)"), new ParquetColumn("tags", "array<string>")]);

        (byte[] file, FormatResult result) = Write(formatter, records);

        result.Failures.Select(f => (f.Index, f.ErrorCode)).ShouldBe(
        [
            (1, FormatConversionErrorCodes.InvalidValue),
            (2, FormatConversionErrorCodes.InvalidValue),
            (5, FormatConversionErrorCodes.InvalidValue),
        ]);
        List<JsonObject> expected =
        [
            new() { ["id"] = 1, ["amount"] = "1.50", ["tags"] = null },
            new() { ["id"] = 4, ["amount"] = null, ["tags"] = new JsonArray("a") },
            new() { ["id"] = 5, ["amount"] = null, ["tags"] = new JsonArray("b", """{"nested":"object"}""") },
        ];
        ParquetReadout readout = await IndependentReaders.ReadParquetAsync(file);
        foreach ((string reader, JsonArray actual) in readout.ByReader)
        {
            CanonicalValues.ShouldMatch(reader, expected, actual);
        }
    }

    [Fact]
    public async Task OpenXOptions_MatchKeysAsConfigured_AndTheCatchAllColumnKeepsUnknownFields()
    {
        string[] records =
        [
            """{"ID":7,"user.name":"ana","when":"21/11/2025 08:30:15","Extra":{"a":[1,2]},"more":"x"}""",
            """{"id":8,"user.name":"bo","when":1763713815000}""",
        ];
        var formatter = new ParquetFormatter(
            [new ParquetColumn("order_id", "bigint"), new ParquetColumn("user_name", "string"), new ParquetColumn("placed", "timestamp")],
            new JsonConversionOptions
            {
                ConvertDotsInJsonKeysToUnderscores = true,
                ColumnToJsonKeyMappings = new Dictionary<string, string> { ["order_id"] = "id", ["placed"] = "when" },
                TimestampFormats = ["dd/MM/yyyy HH:mm:ss", "millis"],
                CatchAllColumn = "unmapped",
            });

        (byte[] file, FormatResult result) = Write(formatter, records);

        result.Failures.ShouldBeEmpty();
        List<JsonObject> expected =
        [
            new() { ["order_id"] = "7", ["user_name"] = "ana", ["placed"] = "1763713815000000", ["unmapped"] = """{"Extra":{"a":[1,2]},"more":"x"}""" },
            new() { ["order_id"] = "8", ["user_name"] = "bo", ["placed"] = "1763713815000000", ["unmapped"] = null },
        ];
        ParquetReadout readout = await IndependentReaders.ReadParquetAsync(file);
        foreach ((string reader, JsonArray actual) in readout.ByReader)
        {
            CanonicalValues.ShouldMatch(reader, expected, actual);
        }
    }

    private static void AssertStatistics(JsonArray groups, List<JsonObject> expected)
    {
        int start = 0;
        foreach (JsonNode? group in groups)
        {
            int rows = group!["numRows"]!.GetValue<int>();
            List<JsonObject> slice = expected.GetRange(start, rows);
            start += rows;
            JsonNode i = group["columns"]!.AsArray().Single(c => c!["path"]!.GetValue<string>() == "i")!;
            List<int> values = [.. slice.Where(r => r["i"] is not null).Select(r => r["i"]!.GetValue<int>())];
            i["nullCount"]!.GetValue<int>().ShouldBe(rows - values.Count);
            i["min"]!.GetValue<int>().ShouldBe(values.Min());
            i["max"]!.GetValue<int>().ShouldBe(values.Max());
            JsonNode b = group["columns"]!.AsArray().Single(c => c!["path"]!.GetValue<string>() == "b")!;
            List<long> longs = [.. slice.Where(r => r["b"] is not null).Select(r => long.Parse(r["b"]!.GetValue<string>(), CultureInfo.InvariantCulture))];
            b["min"]!.GetValue<string>().ShouldBe(longs.Min().ToString(CultureInfo.InvariantCulture));
            b["max"]!.GetValue<string>().ShouldBe(longs.Max().ToString(CultureInfo.InvariantCulture));

            // Strings order by their UTF-8 bytes, unsigned; bounds over 4 KiB are left out rather than truncated.
            JsonNode s = group["columns"]!.AsArray().Single(c => c!["path"]!.GetValue<string>() == "s")!;
            List<byte[]> strings = [.. slice.Where(r => r["s"] is not null).Select(r => Encoding.UTF8.GetBytes(r["s"]!.GetValue<string>()))];
            strings.Sort((x, y) => x.AsSpan().SequenceCompareTo(y));
            s["nullCount"]!.GetValue<int>().ShouldBe(rows - strings.Count);
            if (strings[0].Length > 4096 || strings[^1].Length > 4096)
            {
                s["min"].ShouldBeNull();
                s["max"].ShouldBeNull();
            }
            else
            {
                s["min"]!.GetValue<string>().ShouldBe(Encoding.UTF8.GetString(strings[0]));
                s["max"]!.GetValue<string>().ShouldBe(Encoding.UTF8.GetString(strings[^1]));
            }
        }
    }

    private static (byte[] File, FormatResult Result) Write(ParquetFormatter formatter, IEnumerable<string> records)
    {
        List<SourceRecord> batch = [.. records.Select(EveryTypeRows.Record)];
        using var output = new MemoryStream();
        FormatResult result = formatter.Write(batch, output);
        return (output.ToArray(), result);
    }
}
