using System.Globalization;
using System.Text;
using System.Text.Json;
using Delivery.Destinations.Splunk;
using Microsoft.IO;

namespace Delivery.UnitTests.Destinations.Splunk;

public sealed class SplunkRequestTests
{
    private static readonly RecyclableMemoryStreamManager Streams = new();

    [Fact]
    public void TheRawEndpoint_GetsEachRecordsBytes_EndedByALineBreakUnlessItHasOne()
    {
        byte[][] records = [Encoding.UTF8.GetBytes("first line"), Encoding.UTF8.GetBytes("already ends\n"), [0x00, 0xFF, 0x22], []];

        byte[] body = Bytes(records, HecEndpointType.Raw, SplunkEventFormat.HecEvents);

        body.ShouldBe([.. "first line\nalready ends\n"u8, 0x00, 0xFF, 0x22, (byte)'\n', (byte)'\n'], "bytes go as they are, not as text");
    }

    [Fact]
    public void HecEventRecords_AreSentAsTheyAre_OnePerLine()
    {
        string[] records = ["""{"event":"login","time":1700000000.5,"index":"web"}""", "{\"event\":{\"a\":1}}\n{\"event\":\"second of the same record\"}\n"];

        string body = Encode([.. records.Select(Encoding.UTF8.GetBytes)], HecEndpointType.Event, SplunkEventFormat.HecEvents);

        body.ShouldBe(records[0] + "\n" + records[1]);
    }

    [Fact]
    public void WrapEachRecord_KeepsAJsonRecordAsJson_AndMakesOtherTextAString()
    {
        string[] records = ["{ \"user\": 42, \"tags\": [\"a\"] }\n", "[1,2]", "42", "plain text with \"quotes\" and naïve café", "{\"unfinished\":"];

        string body = Encode([.. records.Select(Encoding.UTF8.GetBytes)], HecEndpointType.Event, SplunkEventFormat.WrapEachRecord);

        string[] lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(5);
        JsonElement[] events = [.. lines.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("event").Clone())];
        events[0].GetProperty("user").GetInt32().ShouldBe(42);
        events[1].GetArrayLength().ShouldBe(2);
        events[2].GetInt32().ShouldBe(42);
        events[3].GetString().ShouldBe("plain text with \"quotes\" and naïve café");
        events[4].GetString().ShouldBe("{\"unfinished\":", "what does not parse as JSON goes as text");
        lines[3].ShouldContain("naïve café", customMessage: "text stays UTF-8 rather than \\u escapes");
    }

    [Theory]
    [InlineData("""{"event":"a"}""", 1)]
    [InlineData("""{"event":"a"}{"event":"b"} {"event":{"c":1}}""", 3)]
    [InlineData("""{"time":1,"event":0}""", 1)]
    [InlineData("""{"fields":{"event":"nested, not the event"},"event":"x"}""", 1)]
    public void HecEventsRecords_CountTheirEvents(string record, int events) =>
        SplunkRecords.Check(Encoding.UTF8.GetBytes(record), HecEndpointType.Event, SplunkEventFormat.HecEvents).ShouldBe((events, null));

    [Theory]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("   \n")]
    [InlineData("""["event"]""")]
    [InlineData("""{"time":1}""")]
    [InlineData("""{"fields":{"event":"nested"}}""")]
    [InlineData("""{"event":""}""")]
    [InlineData("""{"event":null}""")]
    [InlineData("""{"event":"a"} trailing""")]
    public void HecEventsRecords_ThatHecWouldRefuse_AreFailedWithTheReason(string record)
    {
        (int events, string? problem) = SplunkRecords.Check(Encoding.UTF8.GetBytes(record), HecEndpointType.Event, SplunkEventFormat.HecEvents);

        events.ShouldBe(0);
        problem.ShouldNotBeNullOrEmpty();
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("\"\"")]
    public void WrapEachRecord_RefusesABlankEvent(string record) =>
        SplunkRecords.Check(Encoding.UTF8.GetBytes(record), HecEndpointType.Event, SplunkEventFormat.WrapEachRecord).Events.ShouldBe(0);

    [Fact]
    public void WrapEachRecord_RefusesBytesThatAreNeitherJsonNorUtf8_WhichTheRawEndpointTakes()
    {
        byte[] binary = [0x00, 0xC3, 0x28, 0xFF];

        SplunkRecords.Check(binary, HecEndpointType.Event, SplunkEventFormat.WrapEachRecord).Problem.ShouldNotBeNull().ShouldContain("raw endpoint");
        SplunkRecords.Check(binary, HecEndpointType.Raw, SplunkEventFormat.HecEvents).ShouldBe((1, null));
    }

    [Fact]
    public void AnEventNumber_MapsToTheRecordThatHoldsIt()
    {
        // Records 0, 2 and 5 of the batch hold 1, 3 and 2 events: events 0 | 1 2 3 | 4 5.
        DeliveryBatch batch = Batch(Enumerable.Range(0, 6).Select(i => Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture))).ToArray());
        using SplunkRequest request = SplunkRequest.Encode(batch, [0, 2, 5], [1, 3, 2], HecEndpointType.Event, SplunkEventFormat.HecEvents, Streams);

        int[] records = [.. Enumerable.Range(0, 6).Select(request.RecordOfEvent)];

        records.ShouldBe([0, 2, 2, 2, 5, 5]);
        request.RecordOfEvent(6).ShouldBe(-1, "the request holds 6 events");
        request.RecordOfEvent(-1).ShouldBe(-1);
    }

    private static string Encode(byte[][] records, HecEndpointType type, SplunkEventFormat format) =>
        Encoding.UTF8.GetString(Bytes(records, type, format));

    private static byte[] Bytes(byte[][] records, HecEndpointType type, SplunkEventFormat format)
    {
        using SplunkRequest request = SplunkRequest.Encode(Batch(records), [.. Enumerable.Range(0, records.Length)], [.. records.Select(_ => 1)], type, format, Streams);
        return request.Body.ToArray();
    }

    private static DeliveryBatch Batch(byte[][] records)
    {
        SourceRecord[] sources = [.. records.Select((data, i) => new SourceRecord(new ShardPosition((1000 + i).ToString(CultureInfo.InvariantCulture)), "k", DateTimeOffset.UnixEpoch, data))];
        return new DeliveryBatch("logs", new BatchSource("logs", "shardId-0", sources[0].Position, sources[^1].Position), sources);
    }
}
