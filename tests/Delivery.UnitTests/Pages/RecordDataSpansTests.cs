using System.Text;
using Delivery.Pages;

namespace Delivery.UnitTests.Pages;

/// <summary>A formatter reading every record's data in a row sees exactly what each record's Data holds, in order.</summary>
public sealed class RecordDataSpansTests
{
    [Fact]
    public void OverABatchOfSeveralPageSegments_EachRecordsDataComesInOrder()
    {
        RecordPage first = Page(0, 5);
        RecordPage second = Page(5, 4);
        PageSegment[] segments = [new(first, 1, 4), new(second, 0, 3)];
        var batch = new DeliveryBatch("stream", new BatchSource("s", "shardId-000000000001", new ShardPosition("1001"), new ShardPosition("1007")), segments);

        var seen = new List<string>();
        foreach (ReadOnlySpan<byte> data in new RecordDataSpans(batch.Records))
        {
            seen.Add(Encoding.UTF8.GetString(data));
        }

        seen.ShouldBe(batch.Records.Select(record => Encoding.UTF8.GetString(record.Data.Span)));
        seen.ShouldBe(["record-1", "record-2-xx", "record-3", "record-4", "record-5-xxxxx", "record-6", "record-7"]);
        first.Release();
        second.Release();
    }

    [Fact]
    public void OverAnyOtherList_ItReadsEachRecordsData()
    {
        SourceRecord[] records =
        [
            new(new ShardPosition("1"), "k", DateTimeOffset.UnixEpoch, "a"u8.ToArray()),
            new(new ShardPosition("2"), "k", DateTimeOffset.UnixEpoch, Array.Empty<byte>()),
            new(new ShardPosition("3"), "k", DateTimeOffset.UnixEpoch, "ccc"u8.ToArray()),
        ];

        var seen = new List<string>();
        foreach (ReadOnlySpan<byte> data in new RecordDataSpans(records))
        {
            seen.Add(Encoding.UTF8.GetString(data));
        }

        seen.ShouldBe(["a", "", "ccc"]);
    }

    private static RecordPage Page(int from, int count)
    {
        var records = Enumerable.Range(from, count)
            .Select(i => new SourceRecord(new ShardPosition((1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)), "key", DateTimeOffset.UnixEpoch, Encoding.UTF8.GetBytes($"record-{i}" + (i % 3 == 2 ? "-" + new string('x', i) : ""))))
            .ToArray();
        return new RecordPage("shardId-000000000001", records, 0);
    }
}
