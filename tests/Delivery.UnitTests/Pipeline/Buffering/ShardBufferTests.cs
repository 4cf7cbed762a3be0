using Delivery.Pipeline.Buffering;

namespace Delivery.UnitTests.Pipeline.Buffering;

public sealed class ShardBufferTests
{
    [Fact]
    public void PlannedCut_WhoseLastRecordWasTrimmed_IsCutAtTheFirstRecordBeyondIt()
    {
        var buffer = new ShardBuffer("p", "s", "shard", 1024 * 1024, [new PlannedBatch(Records.Position(1), Records.Position(5))]);
        var cuts = new List<DeliveryBatch>();

        foreach (SourceRecord record in Records.Page("shard", 1, 3).Records.Concat(Records.Page("shard", 7, 2).Records))
        {
            buffer.Append(record, cuts);
        }

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
            foreach (SourceRecord record in Records.Page("shard", 1, 3).Records)
            {
                buffer.Append(record, cuts);
            }
        }

        cuts.Count.ShouldBe(2);
        cuts[0].Id.ShouldBe(cuts[1].Id);
        cuts[0].Id.Length.ShouldBe(32);
    }
}
