using System.Text;
using Delivery.Pages;

namespace Delivery.UnitTests.Pages;

/// <summary>
/// A batch of several page segments gives each index its own record however the records are read: in order (the
/// case it is fast for), backwards, jumping between segments, and from several threads at once.
/// </summary>
public sealed class SegmentedRecordsTests
{
    [Fact]
    public void InOrderBackwardsAndJumping_EachIndexGivesItsOwnRecord()
    {
        RecordPage first = Page(0, 5);
        RecordPage second = Page(5, 4);
        RecordPage third = Page(9, 6);
        PageSegment[] segments = [new(first, 1, 4), new(second, 0, 3), new(third, 2, 4)];
        var batch = new DeliveryBatch("stream", new BatchSource("s", "shardId-000000000001", new ShardPosition("1001"), new ShardPosition("1014")), segments);
        string[] expected = ["r1", "r2", "r3", "r4", "r5", "r6", "r7", "r11", "r12", "r13", "r14"];

        int[] order = [.. Enumerable.Range(0, expected.Length), .. Enumerable.Range(0, expected.Length).Reverse(), 10, 0, 7, 6, 3, 9, 4, 5, 1, 8];
        foreach (int index in order)
        {
            Text(batch.Records[index]).ShouldBe(expected[index], $"index {index}");
        }

        first.Release();
        second.Release();
        third.Release();
    }

    [Fact]
    public void ReadFromSeveralThreadsAtOnce_EachIndexGivesItsOwnRecord()
    {
        RecordPage[] pages = [.. Enumerable.Range(0, 8).Select(p => Page(p * 10, 10))];
        PageSegment[] segments = [.. pages.Select(page => new PageSegment(page, 0, 10))];
        var batch = new DeliveryBatch("stream", new BatchSource("s", "shardId-000000000001", new ShardPosition("1000"), new ShardPosition("1079")), segments);

        Parallel.For(0, 8, thread =>
        {
            var random = new Random(thread);
            for (int i = 0; i < 20_000; i++)
            {
                int index = random.Next(batch.Records.Count);
                Text(batch.Records[index]).ShouldBe($"r{index}");
            }
        });

        foreach (RecordPage page in pages)
        {
            page.Release();
        }
    }

    private static string Text(SourceRecord record) => Encoding.UTF8.GetString(record.Data.Span);

    private static RecordPage Page(int from, int count)
    {
        SourceRecord[] records = [.. Enumerable.Range(from, count)
            .Select(i => new SourceRecord(new ShardPosition((1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)), "key", DateTimeOffset.UnixEpoch, Encoding.UTF8.GetBytes($"r{i}")))];
        return new RecordPage("shardId-000000000001", records, 0);
    }
}
