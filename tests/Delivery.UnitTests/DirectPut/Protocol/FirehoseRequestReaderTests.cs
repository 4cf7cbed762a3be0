using System.Text;
using Delivery.DirectPut.Protocol;

namespace Delivery.UnitTests.DirectPut.Protocol;

/// <summary>
/// Firehose's request bodies as the SDKs write them, read back byte for byte, and every limit Firehose enforces
/// (500 records and 4 MiB per call, 1,000 KiB per record, the stream name pattern) enforced at exactly its boundary.
/// </summary>
public sealed class FirehoseRequestReaderTests
{
    [Fact]
    public void PutRecordBatch_DecodesEveryRecordsBase64_IncludingEscapedCharactersAndEmptyRecords()
    {
        byte[][] records = [[0, 1, 2, 255, 10], Encoding.UTF8.GetBytes("{\"user\":\"ü\"}\n"), [], [0xfb, 0xff, 0xbf]];
        string body = $$"""{"DeliveryStreamName":"clicks","Records":[{{string.Join(',', records.Select(r => $"{{\"Data\":\"{Convert.ToBase64String(r)}\"}}"))}}]}""";

        // A JSON writer may escape '/' and '+' in base64; the value is the same.
        body = body.Replace("/", "\\/", StringComparison.Ordinal).Replace("+", "\\u002b", StringComparison.Ordinal);
        PutRecordsCall call = FirehoseRequestReader.ReadPutRecordBatch(Encoding.UTF8.GetBytes(body));

        call.DeliveryStreamName.ShouldBe("clicks");
        call.Records.Count.ShouldBe(4);
        for (int i = 0; i < records.Length; i++)
        {
            call.Records[i].ShouldBe(records[i]);
        }

        call.Bytes.ShouldBe(records.Sum(r => (long)r.Length));
    }

    [Fact]
    public void UnknownMembers_AreSkipped_AsTheServiceDoes()
    {
        PutRecordsCall call = FirehoseRequestReader.ReadPutRecord(Encoding.UTF8.GetBytes(
            """{"Future":{"a":[1,2,{"b":null}]},"Record":{"Data":"aGk=","Extra":true},"DeliveryStreamName":"s"}"""));

        call.Records.Single().ShouldBe("hi"u8.ToArray());
    }

    [Fact]
    public void FiveHundredRecords_AreOneCall_AndFiveHundredAndOneAreRefused()
    {
        FirehoseRequestReader.ReadPutRecordBatch(Batch(500, 1)).Records.Count.ShouldBe(500);

        FirehoseError error = Refused(() => FirehoseRequestReader.ReadPutRecordBatch(Batch(501, 1)));

        error.Type.ShouldBe("InvalidArgumentException");
        error.StatusCode.ShouldBe(400);
        error.Message.ShouldBe("1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length less than or equal to 500 (it has 501)");
    }

    [Fact]
    public void NoRecords_AreRefused()
    {
        Refused(() => FirehoseRequestReader.ReadPutRecordBatch("""{"DeliveryStreamName":"s","Records":[]}"""u8))
            .Message.ShouldContain("'records' failed to satisfy constraint: Member must have length greater than or equal to 1");
        Refused(() => FirehoseRequestReader.ReadPutRecordBatch("""{"DeliveryStreamName":"s"}"""u8))
            .Message.ShouldBe("1 validation error detected: Value null at 'records' failed to satisfy constraint: Member must not be null");
    }

    [Fact]
    public void ARecordOf1000KiB_IsAccepted_AndOneByteMoreIsRefused_NamingTheRecord()
    {
        FirehoseRequestReader.ReadPutRecord(Single(1_024_000)).Bytes.ShouldBe(1_024_000);
        Refused(() => FirehoseRequestReader.ReadPutRecord(Single(1_024_001))).Message
            .ShouldBe("1 validation error detected: Value at 'record.data' failed to satisfy constraint: Member must have length less than or equal to 1024000 (it has 1,024,001 bytes)");

        byte[] body = Encoding.UTF8.GetBytes($$"""{"DeliveryStreamName":"s","Records":[{"Data":"aGk="},{"Data":"{{Convert.ToBase64String(new byte[1_024_001])}}"}]}""");
        Refused(() => FirehoseRequestReader.ReadPutRecordBatch(body)).Message.ShouldContain("'records.2.member.data'");
    }

    [Fact]
    public void FourMiBOfRecords_AreOneCall_AndOneByteMoreIsRefused()
    {
        // Five records of 800 KiB, the last one trimmed to land exactly on 4 MiB.
        int[] sizes = [819_200, 819_200, 819_200, 819_200, 4 * 1024 * 1024 - (4 * 819_200)];
        FirehoseRequestReader.ReadPutRecordBatch(Batch(sizes)).Bytes.ShouldBe(4 * 1024 * 1024);

        sizes[^1]++;
        FirehoseError error = Refused(() => FirehoseRequestReader.ReadPutRecordBatch(Batch(sizes)));
        error.Type.ShouldBe("InvalidArgumentException");
        error.Message.ShouldContain("4,194,305 bytes");
    }

    [Theory]
    [InlineData("""{"Records":[{"Data":"aGk="}]}""", "Value null at 'deliveryStreamName'")]
    [InlineData("""{"DeliveryStreamName":"has space","Records":[{"Data":"aGk="}]}""", "Value 'has space' at 'deliveryStreamName' failed to satisfy constraint")]
    [InlineData("""{"DeliveryStreamName":"","Records":[{"Data":"aGk="}]}""", "at 'deliveryStreamName' failed to satisfy constraint")]
    [InlineData("""{"DeliveryStreamName":"s","Records":[{"Other":"x"}]}""", "Value null at 'records.1.member.data'")]
    [InlineData("""{"DeliveryStreamName":"s","Records":[null]}""", "Value null at 'records.1.member.data'")]
    public void AMissingOrInvalidMember_IsAnInvalidArgument(string body, string said)
    {
        FirehoseError error = Refused(() => FirehoseRequestReader.ReadPutRecordBatch(Encoding.UTF8.GetBytes(body)));

        error.Type.ShouldBe("InvalidArgumentException");
        error.Message.ShouldContain(said);
    }

    [Fact]
    public void ANameOf64Characters_IsAccepted_And65AreRefused()
    {
        FirehoseRequestReader.ReadDescribeDeliveryStream(Encoding.UTF8.GetBytes($$"""{"DeliveryStreamName":"{{new string('a', 64)}}"}""")).DeliveryStreamName.Length.ShouldBe(64);
        Refused(() => FirehoseRequestReader.ReadDescribeDeliveryStream(Encoding.UTF8.GetBytes($$"""{"DeliveryStreamName":"{{new string('a', 65)}}"}""")))
            .Type.ShouldBe("InvalidArgumentException");
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"DeliveryStreamName":"s","Records":[{"Data":"aGk="}""")]
    [InlineData("[]")]
    [InlineData("""{"DeliveryStreamName":5,"Records":[{"Data":"aGk="}]}""")]
    [InlineData("""{"DeliveryStreamName":"s","Records":{"Data":"aGk="}}""")]
    [InlineData("""{"DeliveryStreamName":"s","Records":[{"Data":42}]}""")]
    [InlineData("""{"DeliveryStreamName":"s","Records":[{"Data":"not base64!"}]}""")]
    public void ABodyThatIsNotTheOperationsJson_IsASerializationException(string body)
    {
        FirehoseError error = Refused(() => FirehoseRequestReader.ReadPutRecordBatch(Encoding.UTF8.GetBytes(body)));

        error.Type.ShouldBe("SerializationException");
        error.StatusCode.ShouldBe(400);
    }

    [Fact]
    public void ListDeliveryStreams_TakesAnEmptyBody_WithFirehosesDefaults_AndChecksItsMembers()
    {
        FirehoseRequestReader.ReadListDeliveryStreams([]).ShouldBe(new ListDeliveryStreamsCall(10, null, null));
        FirehoseRequestReader.ReadListDeliveryStreams("""{"Limit":2,"DeliveryStreamType":"DirectPut","ExclusiveStartDeliveryStreamName":"a"}"""u8)
            .ShouldBe(new ListDeliveryStreamsCall(2, "DirectPut", "a"));
        Refused(() => FirehoseRequestReader.ReadListDeliveryStreams("""{"Limit":0}"""u8)).Type.ShouldBe("InvalidArgumentException");
        Refused(() => FirehoseRequestReader.ReadListDeliveryStreams("""{"Limit":10001}"""u8)).Type.ShouldBe("InvalidArgumentException");
        Refused(() => FirehoseRequestReader.ReadListDeliveryStreams("""{"DeliveryStreamType":"Kafka"}"""u8)).Message.ShouldContain("enum value set");
    }

    private static byte[] Batch(int count, int size) => Batch([.. Enumerable.Repeat(size, count)]);

    private static byte[] Batch(int[] sizes) =>
        Encoding.UTF8.GetBytes($$"""{"DeliveryStreamName":"s","Records":[{{string.Join(',', sizes.Select(size => $"{{\"Data\":\"{Convert.ToBase64String(new byte[size])}\"}}"))}}]}""");

    private static byte[] Single(int size) =>
        Encoding.UTF8.GetBytes($$$"""{"DeliveryStreamName":"s","Record":{"Data":"{{{Convert.ToBase64String(new byte[size])}}}"}}""");

    private delegate object Read();

    private static FirehoseError Refused(Read read) => Should.Throw<FirehoseProtocolException>(() => read()).Error;
}
