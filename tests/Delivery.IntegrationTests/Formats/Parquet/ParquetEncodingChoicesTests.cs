using System.Globalization;
using System.Text.Json.Nodes;
using Delivery.Formats;
using Delivery.Formats.Parquet;
using Delivery.Formats.Parquet.Schema;
using Delivery.Testing;

namespace Delivery.IntegrationTests.Formats.Parquet;

/// <summary>
/// What the encoder decides as it streams through the records, read back by DuckDB, arrow-rs and hyparquet: a key given
/// twice (the last one wins, at any depth), and which columns keep a dictionary.
/// </summary>
public sealed class ParquetEncodingChoicesTests
{
    [Fact]
    public async Task AKeyGivenTwice_TheLastValueWins_AtAnyDepth()
    {
        string[] records =
        [
            """{"id":1,"name":"first","name":"second"}""",
            """{"id":2,"inner":{"a":1,"b":"p"},"inner":{"a":2}}""",
            """{"id":3,"tags":[1,2,3],"tags":[4]}""",
            """{"id":4,"inner":{"a":5,"a":6,"b":"q"}}""",
            """{"id":5,"tags":[1],"tags":null,"name":null,"name":"kept"}""",
            """{"id":6,"m":{"k":1,"k":2},"events":[{"kind":"x","kind":"y"},{"kind":"z"}]}""",
            """{"id":7,"events":[{"kind":"a"}],"events":[{"kind":"b"},{"kind":"c","kind":"d"}],"id":8}""",
            """{"id":9,"m":{"k":1,"j":3,"k":2},"ms":[{"a":1,"b":5,"a":2},{"c":3}]}""",
        ];
        var formatter = new ParquetFormatter(
        [
            new ParquetColumn("id", "bigint"), new ParquetColumn("name", "string"), new ParquetColumn("inner", "struct<a:int,b:string>"),
            new ParquetColumn("tags", "array<int>"), new ParquetColumn("m", "map<string,int>"), new ParquetColumn("events", "array<struct<kind:string>>"),
            new ParquetColumn("ms", "array<map<string,int>>"),
        ]);

        (byte[] file, FormatResult result) = Write(formatter, records);

        result.Failures.ShouldBeEmpty();
        static JsonObject Row(long id, string? name = null, JsonObject? inner = null, JsonArray? tags = null, JsonArray? m = null, JsonArray? events = null, JsonArray? ms = null) => new()
        {
            ["id"] = id.ToString(CultureInfo.InvariantCulture), ["name"] = name, ["inner"] = inner, ["tags"] = tags, ["m"] = m, ["events"] = events, ["ms"] = ms,
        };
        List<JsonObject> expected =
        [
            Row(1, name: "second"),
            Row(2, inner: new JsonObject { ["a"] = 2, ["b"] = null }),
            Row(3, tags: new JsonArray(4)),
            Row(4, inner: new JsonObject { ["a"] = 6, ["b"] = "q" }),
            Row(5, name: "kept"),

            // A map keeps the last value of a key too, as the OpenX SerDe's map does; readers disagree on a map holding a key twice.
            Row(6, m: new JsonArray(new JsonArray("k", 2)), events: new JsonArray(new JsonObject { ["kind"] = "y" }, new JsonObject { ["kind"] = "z" })),
            Row(8, events: new JsonArray(new JsonObject { ["kind"] = "b" }, new JsonObject { ["kind"] = "d" })),
            Row(9, m: new JsonArray(new JsonArray("j", 3), new JsonArray("k", 2)), ms: new JsonArray(
                new JsonArray(new JsonArray("b", 5), new JsonArray("a", 2)), new JsonArray(new JsonArray("c", 3)))),
        ];
        ParquetReadout readout = await IndependentReaders.ReadParquetAsync(file);
        foreach ((string reader, JsonArray actual) in readout.ByReader)
        {
            CanonicalValues.ShouldMatch(reader, expected, actual);
        }
    }

    [Fact]
    public async Task ColumnsOfDistinctValues_AreWrittenPlain_WhileRepeatedValuesKeepTheirDictionary()
    {
        var rows = new List<string>();
        for (int i = 0; i < 9000; i++)
        {
            // An id per row, a price of 30,000 possible values, and a handful of countries and small numbers.
            string id = new Guid(i, 7, 7, 1, 2, 3, 4, 5, 6, 7, 8).ToString();
            rows.Add($$"""{"id":"{{id}}","seq":{{i}},"price":{{(i * 7919 % 30000) / 100.0}},"country":"{{"DE FR US JP KR".Split(' ')[i % 5]}}","n":{{i % 7}}}""");
        }

        var formatter = new ParquetFormatter(
        [
            new ParquetColumn("id", "string"), new ParquetColumn("seq", "bigint"), new ParquetColumn("price", "double"),
            new ParquetColumn("country", "string"), new ParquetColumn("n", "int"),
        ]);

        (byte[] file, FormatResult result) = Write(formatter, rows);

        result.Failures.ShouldBeEmpty();
        ParquetReadout readout = await IndependentReaders.ReadParquetAsync(file);
        JsonArray columns = readout.Footer["rowGroups"]![0]!["columns"]!.AsArray();
        bool Dictionary(string path) => columns.Single(c => c!["path"]!.GetValue<string>() == path)!["hasDictionaryPage"]!.GetValue<bool>();
        (Dictionary("id"), Dictionary("seq"), Dictionary("price"), Dictionary("country"), Dictionary("n")).ShouldBe((false, false, false, true, true));
        List<JsonObject> expected = [.. rows.Select(r => JsonNode.Parse(r)!.AsObject()).Select(o => new JsonObject
        {
            ["id"] = o["id"]!.GetValue<string>(),
            ["seq"] = o["seq"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture),
            ["price"] = o["price"]!.GetValue<double>(),
            ["country"] = o["country"]!.GetValue<string>(),
            ["n"] = o["n"]!.GetValue<int>(),
        })];
        foreach ((string reader, JsonArray actual) in readout.ByReader)
        {
            CanonicalValues.ShouldMatch(reader, expected, actual);
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
