using System.Text;
using Delivery.Destinations.Backup;
using Delivery.Worker.Redrive;

namespace Delivery.UnitTests.Worker.Redrive;

public sealed class BackupLineTests
{
    private const string Object = "s3://backup/http-endpoint-failed/2026/03/04/05/orders-1-x.gz";

    [Fact]
    public void Parse_ReadsWhatTheFailedRecordFormatterWrote_OriginalBytesArrivalAndPartitionKey()
    {
        byte[] data = [0, 1, 2, 255, .. "{\"a\":1}\n"u8];
        var arrival = new DateTimeOffset(2026, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);
        var batch = new DeliveryBatch("orders", new BatchSource("stream", "shardId-000000000001", new("49"), new("49")), [new SourceRecord(new ShardPosition("49"), "customer-7", arrival, data)]);
        using var body = new MemoryStream();
        FailedRecordFormatter.Write(batch, [new FailedRecord(0, "HttpEndpoint.ResponseTimeout", "no answer", ErrorOutputTypes.HttpEndpointFailed, 3)], arrival.AddMinutes(5), body);
        string line = Encoding.UTF8.GetString(body.ToArray()).TrimEnd('\n');

        BackupLine parsed = BackupLine.Parse(Object, 4, line);

        parsed.RawData.ShouldBe(data);
        parsed.ArrivalTimestamp.ShouldBe(arrival);
        parsed.PartitionKey.ShouldBe("customer-7");
        parsed.ErrorCode.ShouldBe("HttpEndpoint.ResponseTimeout");
        parsed.LineNumber.ShouldBe(4);
        SourceRecord record = parsed.ToSourceRecord();
        record.Position.ShouldBe(new ShardPosition("4"));
        record.Data.ToArray().ShouldBe(data);
    }

    [Fact]
    public void Parse_TakesTheArrivalFromKinesisMetadata_WhenTheLineHasNoArrivalTimestamp()
    {
        BackupLine parsed = BackupLine.Parse(Object, 1, """{"rawData":"aGk=","kinesisRecordMetadata":{"approximateArrivalTimestamp":1772600767000}}""");

        parsed.ArrivalTimestamp.ShouldBe(DateTimeOffset.FromUnixTimeMilliseconds(1772600767000));
        parsed.RawData.ShouldBe("hi"u8.ToArray());
        parsed.ErrorCode.ShouldBe("");
    }

    [Theory]
    [InlineData("{\"rawData\":\"aGk=\"", "line 7: not a JSON object")]
    [InlineData("[1,2]", "line 7: a JSON array, not a failed-record object")]
    [InlineData("{\"arrivalTimestamp\":1}", "line 7: no rawData string")]
    [InlineData("{\"rawData\":\"not base64!\",\"arrivalTimestamp\":1}", "line 7: rawData is not base64")]
    [InlineData("{\"rawData\":\"aGk=\"}", "line 7: no arrivalTimestamp")]
    public void Parse_RefusesALineThatIsNotAFailedRecord_NamingTheObjectAndLine(string line, string expected)
    {
        RedriveInputException error = Should.Throw<RedriveInputException>(() => BackupLine.Parse(Object, 7, line));

        error.Message.ShouldStartWith(Object + " " + expected);
    }
}
