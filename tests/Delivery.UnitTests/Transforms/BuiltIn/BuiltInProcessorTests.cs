using System.IO.Compression;
using System.Text;
using Delivery.Transforms.BuiltIn;
using Delivery.Transforms.Processing;
using static Delivery.UnitTests.Transforms.TransformTestBatches;

namespace Delivery.UnitTests.Transforms.BuiltIn;

public sealed class BuiltInProcessorTests
{
    [Fact]
    public async Task AppendDelimiter_AddsTheDelimiterToEveryRecord()
    {
        DeliveryBatch batch = Of("a", "", "{\"b\":2}");

        IReadOnlyList<ChainRecord> output = await new AppendDelimiterStage("\r\n"u8.ToArray()).ProcessAsync(Run(batch), Records(batch), default);

        Texts(output).ShouldBe(["a\r\n", "\r\n", "{\"b\":2}\r\n"]);
        output.Select(record => record.SourceIndex).ShouldBe([0, 1, 2]);
    }

    [Fact]
    public async Task Decompression_GunzipsEachRecord()
    {
        DeliveryBatch batch = Of(Gzip("first record"), Gzip(new string('x', 100_000)));

        IReadOnlyList<ChainRecord> output = await new DecompressionStage().ProcessAsync(Run(batch), Records(batch), default);

        Texts(output).ShouldBe(["first record", new string('x', 100_000)]);
    }

    [Fact]
    public async Task Decompression_SendsWhatIsNotGzip_ToDecompressionFailed_WithTheReason()
    {
        byte[] truncated = Gzip("a record long enough to be cut short")[..25];
        DeliveryBatch batch = Of(Encoding.UTF8.GetBytes("plain text, not gzip"), truncated, Gzip("fine"));
        ProcessingRun run = Run(batch);

        IReadOnlyList<ChainRecord> output = await new DecompressionStage().ProcessAsync(run, Records(batch), default);

        Texts(output).ShouldBe(["fine"]);
        List<FailedRecord> failed = run.Failures();
        failed.Select(f => (f.Index, f.ErrorCode, f.ErrorOutputType)).ShouldBe(
        [
            (0, TransformErrorCodes.DecompressionFailed, ErrorOutputTypes.DecompressionFailed),
            (1, TransformErrorCodes.DecompressionFailed, ErrorOutputTypes.DecompressionFailed),
        ]);
        failed[0].ErrorMessage.ShouldContain("does not start with the gzip magic bytes");
    }

    [Fact]
    public async Task Decompression_RefusesARecordThatExpandsPastTheLimit()
    {
        DeliveryBatch batch = Of(Gzip(new string('z', 10_000)));
        ProcessingRun run = Run(batch);

        IReadOnlyList<ChainRecord> output = await new DecompressionStage(maxDecompressedBytes: 1000).ProcessAsync(run, Records(batch), default);

        output.ShouldBeEmpty();
        run.Failures().ShouldHaveSingleItem().ErrorCode.ShouldBe(TransformErrorCodes.DecompressedTooLarge);
    }

    [Fact]
    public async Task CloudWatchLogs_WithExtraction_MakesOneRecordPerLogEvent_AndDropsControlMessages()
    {
        string[] logged = ["first line", "{\"level\":\"info\",\"msg\":\"quoted \\\"text\\\"\"}", "ünïcode / slash <&>"];
        string data = CloudWatchMessage("DATA_MESSAGE", logged);
        string control = CloudWatchMessage("CONTROL_MESSAGE", "CWL CONTROL MESSAGE: Checking health of destination Firehose.");
        DeliveryBatch batch = Of(data, control);
        ProcessingRun run = Run(batch);

        IReadOnlyList<ChainRecord> output = await new CloudWatchLogsStage(extractMessages: true).ProcessAsync(run, Records(batch), default);

        Texts(output).ShouldBe(logged);
        output.Select(record => record.SourceIndex).ShouldBe([0, 0, 0]);
        run.FailedCount.ShouldBe(0);
    }

    [Fact]
    public async Task CloudWatchLogs_WithoutExtraction_KeepsDataMessagesWhole()
    {
        string data = CloudWatchMessage("DATA_MESSAGE", "one", "two");
        DeliveryBatch batch = Of(data, CloudWatchMessage("CONTROL_MESSAGE", "ping"));

        IReadOnlyList<ChainRecord> output = await new CloudWatchLogsStage(extractMessages: false).ProcessAsync(Run(batch), Records(batch), default);

        Texts(output).ShouldBe([data]);
    }

    [Theory]
    [InlineData("{\"logEvents\":[]}", "it has no messageType")]
    [InlineData("{\"messageType\":\"SOMETHING\",\"logEvents\":[]}", "its messageType is 'SOMETHING'")]
    [InlineData("[1]", "it is not a JSON object")]
    [InlineData("{\"messageType\":\"DATA_MESSAGE\",\"logEvents\":[{\"id\":\"1\"}]}", "log event 0 has no message")]
    [InlineData("{\"messageType\":", "it is not valid JSON")]
    [InlineData("{\"messageType\":\"DATA_MESSAGE\",\"logEvents\":[{\"message\":\"a\\ud800\"}]}", "log event 0 has a message that is not valid Unicode")]
    [InlineData("{\"messageType\":\"DATA\\udc00\",\"logEvents\":[]}", "its messageType is not valid Unicode")]
    [InlineData("{\"messageType\":\"DATA_MESSAGE\"}", "it has no logEvents")]
    [InlineData("{\"messageType\":\"DATA_MESSAGE\",\"logEvents\":[]}", "it has no log events")]
    [InlineData("{\"messageType\":\"DATA_MESSAGE\",\"logEvents\":[{\"message\":\"a\"},5,{\"message\":\"b\"}]}", "log event 1 is not an object")]
    public async Task CloudWatchLogs_FailsWhatIsNotASubscriptionMessage(string record, string reason)
    {
        DeliveryBatch batch = Of(record);
        ProcessingRun run = Run(batch);

        (await new CloudWatchLogsStage(extractMessages: true).ProcessAsync(run, Records(batch), default)).ShouldBeEmpty();

        FailedRecord failed = run.Failures().ShouldHaveSingleItem();
        failed.ErrorCode.ShouldBe(TransformErrorCodes.CloudWatchLogsInvalid);
        failed.ErrorMessage.ShouldContain(reason);
    }

    [Fact]
    public async Task DeAggregation_Json_SplitsConcatenatedValues_WithOrWithoutWhitespace()
    {
        DeliveryBatch batch = Of("{\"a\":1}{\"a\":2}\n{\"a\":[3,{\"b\":\"}{\"}]}  ", "{\"single\":true}");

        IReadOnlyList<ChainRecord> output = await new RecordDeAggregationStage(SubRecordType.Json).ProcessAsync(Run(batch), Records(batch), default);

        Texts(output).ShouldBe(["{\"a\":1}", "{\"a\":2}", "{\"a\":[3,{\"b\":\"}{\"}]}", "{\"single\":true}"]);
        output.Select(record => record.SourceIndex).ShouldBe([0, 0, 0, 1]);
    }

    [Theory]
    [InlineData("{\"a\":1}{\"a\":", TransformErrorCodes.DeAggregationInvalidJson)]
    [InlineData("not json", TransformErrorCodes.DeAggregationInvalidJson)]
    [InlineData("   ", TransformErrorCodes.DeAggregationEmpty)]
    public async Task DeAggregation_Json_FailsTheWholeRecord_WhenAnyPartIsBroken(string record, string code)
    {
        DeliveryBatch batch = Of(record, "{\"ok\":1}");
        ProcessingRun run = Run(batch);

        IReadOnlyList<ChainRecord> output = await new RecordDeAggregationStage(SubRecordType.Json).ProcessAsync(run, Records(batch), default);

        Texts(output).ShouldBe(["{\"ok\":1}"]);
        FailedRecord failed = run.Failures().ShouldHaveSingleItem();
        (failed.Index, failed.ErrorCode, failed.ErrorOutputType).ShouldBe((0, code, ErrorOutputTypes.ProcessingFailed));
    }

    [Fact]
    public async Task DeAggregation_Delimited_SplitsOnTheDelimiter_LeavingOutEmptyPieces()
    {
        DeliveryBatch batch = Of("a||b||||c||", "single", "||");
        ProcessingRun run = Run(batch);

        IReadOnlyList<ChainRecord> output = await new RecordDeAggregationStage(SubRecordType.Delimited, "||"u8.ToArray()).ProcessAsync(run, Records(batch), default);

        Texts(output).ShouldBe(["a", "b", "c", "single"]);
        run.Failures().ShouldHaveSingleItem().ErrorCode.ShouldBe(TransformErrorCodes.DeAggregationEmpty);
    }

    internal static byte[] Gzip(string text) => Gzip(Encoding.UTF8.GetBytes(text));

    internal static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>
    /// A CloudWatch Logs subscription message holding <paramref name="messages"/> as logged. The default JSON encoder
    /// escapes quotes, '&lt;' and non-ASCII letters, so reading it back exercises unescaping.
    /// </summary>
    internal static string CloudWatchMessage(string type, params string[] messages) =>
        $"{{\"messageType\":\"{type}\",\"owner\":\"123456789012\",\"logGroup\":\"/aws/lambda/orders\",\"logStream\":\"2026/03/04/[$LATEST]abc\","
        + "\"subscriptionFilters\":[\"to-delivery\"],\"logEvents\":["
        + string.Join(",", messages.Select((message, i) => $"{{\"id\":\"{i}\",\"timestamp\":1772593567000,\"message\":{System.Text.Json.JsonSerializer.Serialize(message)}}}"))
        + "]}";
}
