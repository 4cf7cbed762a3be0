using System.Globalization;
using Delivery.Destinations.OpenSearch;
using Delivery.Testing;

namespace Delivery.UnitTests.Destinations.OpenSearch;

public sealed class OpenSearchDocumentIdTests
{
    [Fact]
    public void AnId_IsTheSameOnEveryCall_AndSafeInAUrl()
    {
        string id = OpenSearchDocumentId.For("clicks", "shardId-000000000001", new ShardPosition("49590338271490256608559692538361571095921575989136588898"), 0);

        OpenSearchDocumentId.For("clicks", "shardId-000000000001", new ShardPosition("49590338271490256608559692538361571095921575989136588898"), 0).ShouldBe(id);
        id.Length.ShouldBe(OpenSearchDocumentId.Length);
        id.ShouldAllBe(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_');
    }

    [Fact]
    public void EveryPartOfTheRecordsPlace_ChangesTheId()
    {
        var position = new ShardPosition("4959", 3);
        string id = OpenSearchDocumentId.For("clicks", "shardId-1", position, 0);

        string[] others =
        [
            OpenSearchDocumentId.For("orders", "shardId-1", position, 0),
            OpenSearchDocumentId.For("clicks", "shardId-2", position, 0),
            OpenSearchDocumentId.For("clicks", "shardId-1", new ShardPosition("4960", 3), 0),
            OpenSearchDocumentId.For("clicks", "shardId-1", new ShardPosition("4959", 4), 0),
            OpenSearchDocumentId.For("clicks", "shardId-1", position, 1),
        ];

        others.ShouldNotContain(id);
        others.ShouldBeUnique();
    }

    [Fact]
    public void TheIdsOfABatch_DependOnItsRecordsAlone_NotOnWhereTheBatchWasCut()
    {
        SourceRecord[] records = [.. Enumerable.Range(0, 10).Select(i => Record(1000 + i))];

        string[] whole = OpenSearchDocumentId.For(Batch(records));
        string[] firstPart = OpenSearchDocumentId.For(Batch(records[..4]));
        string[] secondPart = OpenSearchDocumentId.For(Batch(records[4..]));

        whole.ShouldBe([.. firstPart, .. secondPart]);
        whole.ShouldBeUnique();
    }

    [Fact]
    public void ThePartsASplitRecordBecame_GetIdsOfTheirOwn_InTheirOrder()
    {
        // A processor split record 1001 into three parts, which share its position.
        SourceRecord[] records = [Record(1000), Record(1001), Record(1001), Record(1001), Record(1002)];

        string[] ids = OpenSearchDocumentId.For(Batch(records));

        ids.ShouldBeUnique();
        ids[1].ShouldBe(OpenSearchDocumentId.For("clicks", "shardId-000000000001", records[1].Position, 0));
        ids[3].ShouldBe(OpenSearchDocumentId.For("clicks", "shardId-000000000001", records[1].Position, 2));
        ids[4].ShouldBe(OpenSearchDocumentId.For("clicks", "shardId-000000000001", records[4].Position, 0));
    }

    [Fact]
    public void ThePlansBatch_GivesEachRecordTheIdItsOwnShardsBatchWouldGiveIt()
    {
        // Both shards' sequence numbers start at 4959000000: the last record of the first shard and the first of the
        // second share a position, and only the shard keeps their documents apart.
        SourceRecord[] first = PlanBatches.Records("a", 1);
        SourceRecord[] second = PlanBatches.Records("b", 2);
        DeliveryBatch plan = PlanBatches.Of("pipeline", "clicks", (PlanBatches.FirstShard, first), (PlanBatches.SecondShard, second));

        string[] ids = OpenSearchDocumentId.For(plan);

        ids.ShouldBeUnique();
        ids.ShouldBe([.. OpenSearchDocumentId.For(Batch(first, PlanBatches.FirstShard)), .. OpenSearchDocumentId.For(Batch(second, PlanBatches.SecondShard))]);
        plan.Release();
    }

    private static SourceRecord Record(long sequence) =>
        new(new ShardPosition(sequence.ToString(CultureInfo.InvariantCulture)), "pk", DateTimeOffset.UnixEpoch, "{}"u8.ToArray());

    private static DeliveryBatch Batch(SourceRecord[] records, string shardId = "shardId-000000000001") =>
        new("pipeline", new BatchSource("clicks", shardId, records[0].Position, records[^1].Position), records);
}
