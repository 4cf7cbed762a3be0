using System.Text;
using Delivery.Kinesis.Aggregation;
using Delivery.Testing;
using static Delivery.Testing.KplAggregate;

namespace Delivery.UnitTests.Kinesis.Aggregation;

public sealed class KplDeaggregatorTests
{
    private const string Sequence = "49590338271490256608559692538361571095921575989136588898";
    private static readonly DateTimeOffset Arrival = new(2026, 5, 6, 7, 8, 9, TimeSpan.Zero);

    [Fact]
    public void AnAggregate_IsSplitIntoItsUserRecords_InOrder_WithSubsequenceNumbersAndTheirOwnPartitionKeys()
    {
        UserRecord[] users =
        [
            new("user-1", Encoding.UTF8.GetBytes("""{"n":0}""")),
            new("user-2", Encoding.UTF8.GetBytes("""{"n":1}"""), ExplicitHashKey: "170141183460469231731687303715884105728"),
            new("user-1", [], Tags: [new("kind", "empty")]),
            new("user-3", [0x00, 0x0A, 0xFF, 0xF3, 0x89, 0x9A, 0xC2]),
        ];
        var output = new List<SourceRecord>();

        string? problem = KplDeaggregator.Deaggregate(Sequence, "aggregate-key", Arrival, Build(users), output);

        problem.ShouldBeNull();
        output.Select(record => record.Position).ShouldBe(Enumerable.Range(0, 4).Select(i => new ShardPosition(Sequence, i)));
        output.Select(record => record.PartitionKey).ShouldBe(["user-1", "user-2", "user-1", "user-3"]);
        output.Select(record => record.Data.ToArray()).ShouldBe(users.Select(user => user.Data));
        output.ShouldAllBe(record => record.ApproximateArrivalTimestamp == Arrival);
    }

    [Fact]
    public void AnAggregateWithABadChecksum_IsOnePlainRecord_WithItsBytesUnchanged()
    {
        byte[] aggregate = WithBadChecksum([new("a", [1, 2, 3]), new("b", [4, 5])]);
        var output = new List<SourceRecord>();

        string? problem = KplDeaggregator.Deaggregate(Sequence, "aggregate-key", Arrival, aggregate, output);

        problem.ShouldBe("its MD5 checksum does not match");
        SourceRecord record = output.ShouldHaveSingleItem();
        record.Position.ShouldBe(new ShardPosition(Sequence));
        record.PartitionKey.ShouldBe("aggregate-key");
        record.Data.ToArray().ShouldBe(aggregate);
    }

    [Theory]
    [InlineData(new byte[] { 0x0A, 0x05, 0x61 }, "its protobuf message is malformed")]
    [InlineData(new byte[] { 0x0A, 0x01, 0x61 }, "it holds no records")]
    [InlineData(new byte[] { 0x0A, 0x01, 0x61, 0x1A, 0x05, 0x08, 0x07, 0x1A, 0x01, 0x78 }, "names a partition key that is not in its table")]
    [InlineData(new byte[] { 0x0A, 0x01, 0x61, 0x1A, 0x02, 0x08, 0x00 }, "one of its records is malformed")]
    [InlineData(new byte[] { 0x0B, 0x00 }, "its protobuf message is malformed")]
    public void AnAggregateWithAGoodChecksumButABadMessage_IsOnePlainRecord(byte[] message, string expected)
    {
        byte[] aggregate = FromMessage(message);
        var output = new List<SourceRecord>();

        string? problem = KplDeaggregator.Deaggregate(Sequence, "aggregate-key", Arrival, aggregate, output);

        problem.ShouldNotBeNull().ShouldContain(expected);
        output.ShouldHaveSingleItem().Data.ToArray().ShouldBe(aggregate);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0xF3, 0x89, 0x9A })]
    [InlineData(new byte[] { 0xF3, 0x89, 0x9A, 0xC2, 0x01 })]
    [InlineData(new byte[] { (byte)'{', (byte)'}' })]
    public void ARecordThatIsNotAnAggregate_PassesThroughSilently(byte[] data)
    {
        var output = new List<SourceRecord>();

        KplDeaggregator.Deaggregate(Sequence, "key", Arrival, data, output).ShouldBeNull();

        SourceRecord record = output.ShouldHaveSingleItem();
        record.Position.ShouldBe(new ShardPosition(Sequence));
        record.Data.ToArray().ShouldBe(data);
    }

    [Fact]
    public void UserRecords_ShareTheKinesisRecordsBuffer()
    {
        byte[] aggregate = Build([new("a", new byte[1000])]);
        var output = new List<SourceRecord>();

        KplDeaggregator.Deaggregate(Sequence, "key", Arrival, aggregate, output);

        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(output[0].Data, out ArraySegment<byte> segment).ShouldBeTrue();
        segment.Array.ShouldBeSameAs(aggregate);
    }
}
