using System.Globalization;
using System.Text;
using System.Text.Json;
using Delivery.Kinesis.Client;

namespace Delivery.UnitTests.Kinesis.Client;

/// <summary>
/// The reader decodes a GetRecords answer straight into a page: every record must read back exactly as Kinesis sent
/// it, whatever its size, bytes or key.
/// </summary>
public sealed class GetRecordsPageParserTests
{
    private static readonly DateTimeOffset FirstArrival = new(2026, 5, 6, 7, 8, 9, 123, TimeSpan.Zero);

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    public void EveryRecordOfAnAnswer_ReadsBackAsSent_DataKeySequenceNumberAndArrival(int seed)
    {
        var random = new Random(seed);
        var sent = Enumerable.Range(0, 500).Select(i => new Sent(
            SequenceNumber: "4959" + (100_000_000_000_000L + (i * 7919L)).ToString(CultureInfo.InvariantCulture).PadLeft(52, '0'),
            PartitionKey: i % 5 == 0 ? "clé-ü-" + i.ToString(CultureInfo.InvariantCulture) + "-日本" : Guid.NewGuid().ToString(),
            Arrival: FirstArrival.AddMilliseconds(i * 37),
            Data: RandomBytes(random, i % 50 == 0 ? 0 : random.Next(1, i % 97 == 0 ? 200_000 : 2_000)))).ToArray();

        RecordPageResponse answer = GetRecordsPageParser.Parse(Body(sent, "next-iterator", millisBehind: 1234), "shardId-000000000007");
        RecordPage page = answer.Page;
        try
        {
            page.ShardId.ShouldBe("shardId-000000000007");
            page.Count.ShouldBe(sent.Length);
            answer.NextShardIterator.ShouldBe("next-iterator");
            answer.MillisBehindLatest.ShouldBe(1234);
            page.DataBytes.ShouldBe(sent.Sum(record => (long)record.Data.Length));
            for (int i = 0; i < sent.Length; i++)
            {
                SourceRecord record = page.Records[i];
                record.Data.ToArray().ShouldBe(sent[i].Data, $"record {i}");
                record.Position.SequenceNumber.ShouldBe(sent[i].SequenceNumber);
                record.PartitionKey.ShouldBe(sent[i].PartitionKey);
                record.ApproximateArrivalTimestamp.ShouldBe(sent[i].Arrival);
            }
        }
        finally
        {
            page.Release();
        }
    }

    [Fact]
    public void AnAnswerThatIsNotKinesisJson_IsRefusedWithAClearError()
    {
        byte[] body = Encoding.UTF8.GetBytes("""{"Records":[{"SequenceNumber":"1","Data":"not base64!","PartitionKey":"k","ApproximateArrivalTimestamp":1}]}""");

        Should.Throw<Exception>(() => GetRecordsPageParser.Parse(body, "shardId-000000000001"))
            .Message.ShouldNotBeNullOrWhiteSpace();
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Body(IEnumerable<Sent> records, string next, long millisBehind)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartArray("Records");
            foreach (Sent record in records)
            {
                json.WriteStartObject();
                json.WriteString("SequenceNumber", record.SequenceNumber);
                json.WriteNumber("ApproximateArrivalTimestamp", record.Arrival.ToUnixTimeMilliseconds() / 1000m);
                json.WriteBase64String("Data", record.Data);
                json.WriteString("PartitionKey", record.PartitionKey);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("NextShardIterator", next);
            json.WriteNumber("MillisBehindLatest", millisBehind);
            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    private sealed record Sent(string SequenceNumber, string PartitionKey, DateTimeOffset Arrival, byte[] Data);
}
