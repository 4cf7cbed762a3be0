using Delivery.Transforms.Processing;
using static Delivery.UnitTests.Transforms.TransformTestBatches;

namespace Delivery.UnitTests.Transforms.Processing;

/// <summary>
/// The chain's lists live on pooled arrays for the time of their batch's write: a list keeps its records in order as it
/// grows, and once its run has given it back it is empty, so a late reader fails instead of reading the records of the
/// next batch that got the array.
/// </summary>
public sealed class RentedRecordsTests
{
    [Fact]
    public void AListGrownPastItsCapacity_KeepsEveryRecordInOrder()
    {
        ProcessingRun run = Run(Of("a"));
        RentedRecords<ChainRecord> list = run.Rent<ChainRecord>(2);

        for (int i = 0; i < 1000; i++)
        {
            list.Add(new ChainRecord(i, new byte[] { (byte)i }));
        }

        list.Count.ShouldBe(1000);
        list.Select(record => record.SourceIndex).ShouldBe(Enumerable.Range(0, 1000));
        list.AsSpan()[999].Data.Span[0].ShouldBe((byte)231);
    }

    [Fact]
    public void AfterTheRunGivesItsListsBack_ReadingOneFails_AndTheNextRunsListHoldsOnlyItsOwnRecords()
    {
        ProcessingRun first = Run(Of("a"));
        RentedRecords<ChainRecord> late = first.Rent<ChainRecord>(3);
        late.Add(new ChainRecord(0, new byte[] { 1 }));
        late.Add(new ChainRecord(1, new byte[] { 2 }));

        first.ReturnRented();
        RentedRecords<ChainRecord> next = Run(Of("b")).Rent<ChainRecord>(3);
        next.Add(new ChainRecord(7, new byte[] { 9 }));

        late.Count.ShouldBe(0);
        Should.Throw<ArgumentOutOfRangeException>(() => late[0]);
        late.ShouldBeEmpty();
        next.Select(record => record.SourceIndex).ShouldBe([7]);
        first.ReturnRented();
    }
}
