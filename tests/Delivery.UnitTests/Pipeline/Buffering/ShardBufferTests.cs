using Delivery.Pipeline.Buffering;

namespace Delivery.UnitTests.Pipeline.Buffering;

public sealed class ShardBufferTests
{
    [Fact]
    public void PlannedCut_WhoseLastRecordWasTrimmed_IsCutAtTheFirstRecordBeyondIt()
    {
        var buffer = new ShardBuffer("p", "s", "shard", 1024 * 1024, [new PlannedBatch(Records.Position(1), Records.Position(5))]);
        var cuts = new List<DeliveryBatch>();

        buffer.Append(Records.Page("shard", 1, 3), 0, cuts);
        buffer.Append(Records.Page("shard", 7, 2), 0, cuts);

        cuts.ShouldHaveSingleItem().Source.Last.ShouldBe(Records.Position(3));
        buffer.IsReplayingPlannedCuts.ShouldBeFalse();
        buffer.TryCutNow().ShouldNotBeNull().Records.Count.ShouldBe(2);
    }

    [Fact]
    public void BatchId_DependsOnlyOnTheSourceRange()
    {
        var cuts = new List<DeliveryBatch>();
        foreach (int attempt in new[] { 1, 2 })
        {
            var buffer = new ShardBuffer("p", "s", "shard", 25, []);
            buffer.Append(Records.Page("shard", 1, 3), 0, cuts);
        }

        cuts.Count.ShouldBe(2);
        cuts[0].Id.ShouldBe(cuts[1].Id);
        cuts[0].Id.Length.ShouldBe(32);
    }

    [Theory]
    [InlineData(25, false)]
    [InlineData(200, false)]
    [InlineData(25, true)]
    public void AppendingAPage_CutsExactlyWhereAppendingItsRecordsOneByOneDoes(int sizeLimit, bool withPlannedCut)
    {
        PlannedBatch[] planned = withPlannedCut ? [new PlannedBatch(Records.Position(3), Records.Position(9))] : [];
        IReadOnlyList<SourceRecord> records = [.. Records.Page("shard", 1, 40, size: 7).Records.Concat(Records.Page("shard", 41, 30, size: 11).Records)];
        var byRecord = new ShardBuffer("p", "s", "shard", sizeLimit, planned);
        var byPage = new ShardBuffer("p", "s", "shard", sizeLimit, planned);
        var recordCuts = new List<DeliveryBatch>();
        var pageCuts = new List<DeliveryBatch>();

        foreach (SourceRecord record in records.Skip(2))
        {
            byRecord.Append(new RecordPage("shard", [record], 0), 0, recordCuts);
        }

        byPage.Append(new RecordPage("shard", [.. records.Take(40)], 0), 2, pageCuts);
        byPage.Append(new RecordPage("shard", [.. records.Skip(40)], 0), 0, pageCuts);

        pageCuts.Select(Describe).ShouldBe(recordCuts.Select(Describe));
        pageCuts.Count.ShouldBeGreaterThan(1);
        byPage.Bytes.ShouldBe(byRecord.Bytes);
        Describe(byPage.TryCutNow()!).ShouldBe(Describe(byRecord.TryCutNow()!));
    }

    [Fact]
    public void ACutBatch_HoldsItsPages_UntilItIsReleased_AndTheBufferHoldsOnlyWhatItStillBuffers()
    {
        RecordPage page = Records.Page("shard", 1, 10, size: 10);
        var buffer = new ShardBuffer("p", "s", "shard", 45, []);
        var cuts = new List<DeliveryBatch>();

        buffer.Append(page, 0, cuts);
        page.Release();

        cuts.Count.ShouldBe(2, "45 bytes cut after the 5th and the 10th record");
        page.IsAlive.ShouldBeTrue();
        cuts[0].Release();
        page.IsAlive.ShouldBeTrue("the second batch still holds records of it");
        cuts[1].Release();
        page.IsAlive.ShouldBeFalse("the last holder returned it");
        Should.Throw<ObjectDisposedException>(() => cuts[1].Records[0].Data.Span.ToArray());
    }

    [Fact]
    public void ADiscardedBuffer_GivesItsPagesBack()
    {
        RecordPage page = Records.Page("shard", 1, 3);
        var buffer = new ShardBuffer("p", "s", "shard", 1024, []);
        buffer.Append(page, 0, []);
        page.Release();
        page.IsAlive.ShouldBeTrue("the buffer holds its records");

        buffer.Discard();

        page.IsAlive.ShouldBeFalse();
        buffer.IsEmpty.ShouldBeTrue();
    }

    private static string Describe(DeliveryBatch batch) =>
        $"{batch.Source.First}..{batch.Source.Last} x{batch.Records.Count}: {string.Join(",", batch.Records.Select(r => r.Position.SequenceNumber))}";
}
