using System.Text;
using Delivery.Formats;
using Delivery.Formats.Parquet;
using Delivery.Formats.Parquet.Json;
using Delivery.Formats.Parquet.Schema;
using Delivery.Pages;

namespace Delivery.UnitTests.Formats.Parquet;

public sealed class ParquetFormatterTests
{
    private static readonly ParquetColumn[] Columns =
    [
        new("id", "bigint", Nullable: false),
        new("price", "decimal(5,2)"),
        new("at", "timestamp"),
        new("day", "date"),
        new("small", "tinyint"),
        new("tags", "array<int>"),
        new("inner", "struct<flag:boolean>"),
        new("name", "string"),
        new("counts", "map<string,int>"),
    ];

    [Theory]
    [InlineData("""{"id":1,"price":"1234.5"}""", "Column 'price' (decimal(5,2)): value \"1234.5\" does not fit decimal(5,2).")]
    [InlineData("""{"id":1,"at":"yesterday"}""", "Column 'at' (timestamp): value \"yesterday\" is not a timestamp in the configured formats (iso8601).")]
    [InlineData("""{"id":1,"day":"2024-02-30"}""", "Column 'day' (date): value \"2024-02-30\" is not a date")]
    [InlineData("""{"id":1,"small":128}""", "Column 'small' (tinyint): value 128 is out of range for tinyint (-128 to 127).")]
    [InlineData("""{"id":1,"tags":[1,"x"]}""", "Column 'tags[]' (int): value \"x\" is not a whole number")]
    [InlineData("""{"id":1,"inner":{"flag":"maybe"}}""", "Column 'inner.flag' (boolean): value \"maybe\" is not a boolean.")]
    [InlineData("""{"id":1,"tags":{"a":1}}""", "Column 'tags' expects an array, found an object.")]
    [InlineData("""{"id":null}""", "Column 'id' is not nullable but the record has null for it.")]
    [InlineData("""{"price":1}""", "Column 'id' is not nullable but the record has no value for it.")]
    [InlineData("""{"id":1,}""", "The record is not valid JSON")]
    [InlineData("""[{"id":1}]""", "The record must be a JSON object, not an array.")]
    [InlineData("   ", "The record holds no JSON object.")]
    [InlineData("""{"id":1,"name":"a\ud800"}""", "Column 'name' (string): value \"a\\ud800\" is not valid Unicode text.")]
    [InlineData("""{"id":"\ud800"}""", "Column 'id' (bigint): value \"\\ud800\" is not valid Unicode text.")]
    [InlineData("""{"id":1,"inner":{"flag":"\udc00"}}""", "Column 'inner.flag' (boolean): value \"\\udc00\" is not valid Unicode text.")]
    [InlineData("""{"id":1,"counts":{"\ud800":1}}""", "The record could not be converted: ")]
    [InlineData("""{"id":1,"\ud800x":1}""", "The record could not be converted: ")]
    public void ARecordThatDoesNotFit_IsReported_WithTheColumnAndTheReason(string json, string reason)
    {
        FormatResult result = Write(new ParquetFormatter(Columns), """{"id":0}""", json);

        result.RecordsWritten.ShouldBe(1);
        RecordFormatFailure failure = result.Failures.ShouldHaveSingleItem();
        failure.Index.ShouldBe(1);
        failure.ErrorMessage.ShouldStartWith(reason);
    }

    [Theory]
    [InlineData("""{"id":1,"name":"a""", """b"}""", "Column 'name' (string)")]
    [InlineData("""{"id":1,"name":"\n""", """b"}""", "Column 'name' (string)")]
    [InlineData("{\"id\":1,\"other\":\"", "\"}", "Column 'rest' (string)")]
    [InlineData("{\"id\":1,\"counts\":{\"", "\":1}}", "Column 'counts.key' (string)")]
    public void AStringWithBytesThatAreNotUtf8_IsReported_NotWrittenIntoTheFile(string before, string after, string column)
    {
        byte[] json = [.. Encoding.UTF8.GetBytes(before), 0xC3, 0x28, .. Encoding.UTF8.GetBytes(after)];
        var formatter = new ParquetFormatter(Columns, new JsonConversionOptions { CatchAllColumn = "rest" });
        using var output = new MemoryStream();

        FormatResult result = formatter.Write([Record("""{"id":0}"""), new SourceRecord(new ShardPosition("2"), "k", DateTimeOffset.UnixEpoch, json)], output);

        result.RecordsWritten.ShouldBe(1);
        RecordFormatFailure failure = result.Failures.ShouldHaveSingleItem();
        (failure.Index, failure.ErrorCode).ShouldBe((1, FormatConversionErrorCodes.InvalidValue));
        failure.ErrorMessage.ShouldStartWith(column);
        failure.ErrorMessage.ShouldContain("is not valid UTF-8");
    }

    [Fact]
    public void AnEpochTimestampBeyondWhatADecimalScales_IsReported_NotThrown()
    {
        var formatter = new ParquetFormatter(Columns, new JsonConversionOptions { TimestampFormats = ["millis"] });

        FormatResult result = Write(formatter, """{"id":0}""", """{"id":1,"at":79228162514264337593543950335}""");

        result.RecordsWritten.ShouldBe(1);
        result.Failures.ShouldHaveSingleItem().ErrorMessage
            .ShouldStartWith("Column 'at' (timestamp): value 79228162514264337593543950335 is not a timestamp in the configured formats (millis).");
    }

    [Fact]
    public void SeveralObjectsInOneRecord_BecomeSeveralRows_AsFirehoseAccepts()
    {
        FormatResult result = Write(new ParquetFormatter(Columns), """{"id":1}{"id":2} {"id":3}""");

        result.RecordsWritten.ShouldBe(1);
        result.Failures.ShouldBeEmpty();
    }

    [Fact]
    public void CatchAllColumn_MayNotRepeatAConfiguredColumn()
    {
        Should.Throw<ArgumentException>(() => new ParquetFormatter(Columns, new JsonConversionOptions { CatchAllColumn = "ID" }))
            .Message.ShouldContain("catch-all column 'ID'");
    }

    [Fact]
    public void File_HasTheParquetMagicAtBothEnds_AndNamesItself()
    {
        var formatter = new ParquetFormatter(Columns);
        using var output = new MemoryStream();

        formatter.Write([Record("""{"id":1}""")], output);

        byte[] file = output.ToArray();
        Encoding.ASCII.GetString(file, 0, 4).ShouldBe("PAR1");
        Encoding.ASCII.GetString(file, file.Length - 4, 4).ShouldBe("PAR1");
        Encoding.ASCII.GetString(file).ShouldContain(ParquetFileWriterName);
        formatter.FileExtension.ShouldBe(".parquet");
    }

    [Fact]
    public void ABatchOverPageSegments_IsWrittenAsTheSameRecordsInAList_AndFailuresIndexTheBatch()
    {
        // The batch starts mid-page and spans two pages, as a buffer's cut makes it; records 2 and 5 of it do not fit.
        string[] first = ["""{"id":0}""", """{"id":1,"name":"a"}""", """{"id":2,"tags":[1,2]}""", """{"price":1}"""];
        string[] second = ["""{"id":4,"inner":{"flag":true}}""", """{"id":5,"name":"b"}""", "[]", """{"id":7,"price":"1.25"}""", """{"id":8}"""];
        RecordPage one = Page(first, 0);
        RecordPage two = Page(second, first.Length);
        PageSegment[] segments = [new(one, 1, 3), new(two, 0, 4)];
        var batch = new DeliveryBatch("stream", new BatchSource("s", "shardId-000000000001", new ShardPosition("1001"), new ShardPosition("1007")), segments);
        var formatter = new ParquetFormatter(Columns);
        using var fromBatch = new MemoryStream();
        using var fromList = new MemoryStream();

        FormatResult batchResult = formatter.Write(batch.Records, fromBatch);
        FormatResult listResult = formatter.Write([.. first[1..].Concat(second[..4]).Select(Record)], fromList);

        batchResult.RecordsWritten.ShouldBe(5);
        batchResult.Failures.Select(f => f.Index).ShouldBe([2, 5]);
        listResult.Failures.ShouldBe(batchResult.Failures);
        fromBatch.ToArray().ShouldBe(fromList.ToArray());
        one.Release();
        two.Release();
    }

    [Fact]
    public void AFormattersLaterFile_IsByteForByteWhatAFreshFormatterWrites_AfterALargerOne()
    {
        // A formatter rents the next file's buffers at the sizes the previous file reached: that must not show in the file.
        string[] large = [.. Enumerable.Range(0, 3000).Select(i => $$$"""{"id":{{{i}}},"name":"n{{{i % 700}}}","tags":[{{{i}}},{{{i % 7}}}],"inner":{"flag":{{{(i % 3 == 0 ? "true" : "null")}}}}}""")];
        string[] small = ["""{"id":1,"name":"a","tags":[1,2]}""", """{"id":2,"name":null,"counts":{"k":3}}"""];
        var reused = new ParquetFormatter(Columns);
        using var afterLarge = new MemoryStream();
        using var fresh = new MemoryStream();

        reused.Write([.. large.Select(Record)], Stream.Null);
        reused.Write([.. small.Select(Record)], afterLarge);
        new ParquetFormatter(Columns).Write([.. small.Select(Record)], fresh);

        afterLarge.ToArray().ShouldBe(fresh.ToArray());
    }

    private const string ParquetFileWriterName = "Delivery Parquet encoder";

    private static RecordPage Page(string[] records, int firstSequence) =>
        new("shardId-000000000001", [.. records.Select((json, i) => new SourceRecord(new ShardPosition((1000 + firstSequence + i).ToString(System.Globalization.CultureInfo.InvariantCulture)), "k", DateTimeOffset.UnixEpoch, Encoding.UTF8.GetBytes(json)))], 0);

    private static FormatResult Write(ParquetFormatter formatter, params string[] records)
    {
        using var output = new MemoryStream();
        return formatter.Write([.. records.Select(Record)], output);
    }

    private static SourceRecord Record(string json) => new(new ShardPosition("1"), "k", DateTimeOffset.UnixEpoch, Encoding.UTF8.GetBytes(json));
}
