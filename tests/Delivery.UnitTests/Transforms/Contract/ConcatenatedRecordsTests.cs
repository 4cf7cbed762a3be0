using Delivery.Transforms.Contract;
using Delivery.Transforms.Processing;

namespace Delivery.UnitTests.Transforms.Contract;

/// <summary>
/// A stage's invocation outputs read as one list give each index its own record, whatever the order of reads and from
/// several threads, and parts without records are passed over.
/// </summary>
public sealed class ConcatenatedRecordsTests
{
    [Fact]
    public void InOrderBackwardsAndJumping_EachIndexGivesItsOwnRecord()
    {
        IReadOnlyList<ChainRecord> records = ConcatenatedRecords.Of([Part(0, 3), Part(3, 0), Part(3, 4), Part(7, 1), Part(8, 0)]);

        records.Count.ShouldBe(8);
        int[] order = [.. Enumerable.Range(0, 8), .. Enumerable.Range(0, 8).Reverse(), 7, 0, 3, 2, 6, 4, 1, 5];
        foreach (int index in order)
        {
            records[index].SourceIndex.ShouldBe(index, $"index {index}");
        }

        records.Select(record => record.SourceIndex).ShouldBe(Enumerable.Range(0, 8));
        Should.Throw<ArgumentOutOfRangeException>(() => records[8]);
    }

    [Fact]
    public void ReadFromSeveralThreadsAtOnce_EachIndexGivesItsOwnRecord()
    {
        IReadOnlyList<ChainRecord> records = ConcatenatedRecords.Of([.. Enumerable.Range(0, 8).Select(p => Part(p * 10, 10))]);

        Parallel.For(0, 8, thread =>
        {
            var random = new Random(thread);
            for (int i = 0; i < 20_000; i++)
            {
                int index = random.Next(records.Count);
                records[index].SourceIndex.ShouldBe(index);
            }
        });
    }

    [Fact]
    public void OnePartWithRecords_IsThatPart_AndNoneIsEmpty()
    {
        List<ChainRecord> only = Part(0, 2);

        ConcatenatedRecords.Of([Part(0, 0), only, Part(2, 0)]).ShouldBeSameAs(only);
        ConcatenatedRecords.Of([Part(0, 0), Part(0, 0)]).ShouldBeEmpty();
    }

    private static List<ChainRecord> Part(int from, int count) =>
        [.. Enumerable.Range(from, count).Select(i => new ChainRecord(i, new byte[] { (byte)i }))];
}
