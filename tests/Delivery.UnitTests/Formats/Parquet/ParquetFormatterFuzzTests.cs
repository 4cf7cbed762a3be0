using System.Text;
using Delivery.Formats;
using Delivery.Formats.Parquet;
using Delivery.Formats.Parquet.Json;
using Delivery.Formats.Parquet.Schema;
using Delivery.Testing.Fuzzing;

namespace Delivery.UnitTests.Formats.Parquet;

public sealed class ParquetFormatterFuzzTests
{
    /// <summary>A column for every field <see cref="AdversarialJson"/> writes, of every Glue type.</summary>
    internal static readonly ParquetColumn[] Columns =
    [
        new("id", "bigint"), new("n", "int"), new("price", "decimal(5,2)"), new("big", "decimal(30,4)"), new("ratio", "double"),
        new("f", "float"), new("at", "timestamp"), new("day", "date"), new("small", "tinyint"), new("flag", "boolean"),
        new("name", "string"), new("bin", "binary"), new("tags", "array<int>"), new("inner", "struct<flag:boolean,when:timestamp>"),
        new("m", "map<string,int>"), new("mi", "map<int,string>"), new("c", "string", Nullable: false),
    ];

    internal static readonly JsonConversionOptions[] Options =
    [
        new(),
        new() { CatchAllColumn = "rest", TimestampFormats = ["millis", "yyyy-MM-dd HH:mm:ss"], CaseInsensitive = false },
        new() { TimestampFormats = ["seconds"], ConvertDotsInJsonKeysToUnderscores = true },
    ];

    [Fact]
    public void AnyRecord_IsWrittenOrReported_NeverThrows_AndTheFileIsTheSameEveryTime()
    {
        ParquetFormatter[] formatters = [.. Options.Select(options => new ParquetFormatter(Columns, options))];
        FuzzCases.Run(1500, random =>
        {
            ParquetFormatter formatter = formatters[random.Next(formatters.Length)];
            SourceRecord[] records = [.. Enumerable.Range(0, random.Next(1, 8)).Select(_ =>
                new SourceRecord(new ShardPosition("1"), "k", DateTimeOffset.UnixEpoch, AdversarialJson.Record(random)))];

            (FormatResult result, byte[] file) = Write(formatter, records);

            result.Failures.Select(failure => failure.Index).ShouldBeUnique();
            result.Failures.All(failure => failure.Index >= 0 && failure.Index < records.Length && failure.ErrorCode.StartsWith("DataFormatConversion.", StringComparison.Ordinal))
                .ShouldBeTrue();
            (result.RecordsWritten + result.Failures.Count).ShouldBe(records.Length);
            Encoding.ASCII.GetString(file.AsSpan(file.Length - 4)).ShouldBe("PAR1");
            Write(formatter, records).File.ShouldBe(file);
        });
    }

    private static (FormatResult Result, byte[] File) Write(ParquetFormatter formatter, SourceRecord[] records)
    {
        using var output = new MemoryStream();
        FormatResult result = formatter.Write(records, output);
        return (result, output.ToArray());
    }
}
