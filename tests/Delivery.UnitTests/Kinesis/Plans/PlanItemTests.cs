using Amazon.DynamoDBv2.Model;
using Delivery.Kinesis.Plans;
using Delivery.Plans;

namespace Delivery.UnitTests.Kinesis.Plans;

public sealed class PlanItemTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly BatchPlan Plan = new(
    [
        new BatchSource("clicks", "shardId-000000000002", new ShardPosition("200", 0), new ShardPosition("290", 4)),
        new BatchSource("clicks", "shardId-000000000001", new ShardPosition("100", 2), new ShardPosition("190", 0)),
    ]);

    [Fact]
    public void ACommittedPlan_RoundTripsWithItsRangesInShardOrder_AndExpiresAfterTheRetention()
    {
        Dictionary<string, AttributeValue> item = PlanItem.Commit(Plan, Now, TimeSpan.FromDays(8));

        PlanEntry entry = PlanItem.ToEntry(Plan.Id, item, "plans");

        entry.ShouldBe(new PlanEntry(Plan.Id, PlanState.Committed, entry.Ranges));
        entry.Ranges.ShouldBe(Plan.Ranges);
        entry.Ranges[0].ShardId.ShouldBe("shardId-000000000001");
        item["planId"].S.ShouldBe(Plan.Id);
        item["state"].S.ShouldBe("committed");
        item["createdAt"].N.ShouldBe(Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        item["expiresAt"].N.ShouldBe(Now.AddDays(8).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        item["ranges"].L[1].M.Keys.ShouldBe(["stream", "shard", "first", "firstSub", "last", "lastSub"], ignoreOrder: true);
    }

    [Fact]
    public void ATombstone_HoldsNoRanges()
    {
        Dictionary<string, AttributeValue> item = PlanItem.Tombstone("abc", Now, TimeSpan.FromDays(1));

        item.ShouldNotContainKey("ranges");
        PlanEntry entry = PlanItem.ToEntry("abc", item, "plans");
        entry.State.ShouldBe(PlanState.Aborted);
        entry.Ranges.ShouldBeEmpty();
    }

    [Fact]
    public void NoItem_IsAnAbsentPlan()
    {
        PlanItem.ToEntry("abc", null, "plans").State.ShouldBe(PlanState.Absent);
        PlanItem.ToEntry("abc", [], "plans").State.ShouldBe(PlanState.Absent);
    }

    [Fact]
    public void AnItemWithAnUnknownStateOrNoRanges_IsAnErrorNamingThePlanAndTable()
    {
        Dictionary<string, AttributeValue> unknown = PlanItem.Tombstone("abc", Now, TimeSpan.FromDays(1));
        unknown["state"] = new AttributeValue { S = "pending" };
        Should.Throw<InvalidDataException>(() => PlanItem.ToEntry("abc", unknown, "plans-table")).Message.ShouldContain("'pending'");

        Dictionary<string, AttributeValue> noRanges = PlanItem.Commit(Plan, Now, TimeSpan.FromDays(1));
        noRanges.Remove("ranges");
        InvalidDataException error = Should.Throw<InvalidDataException>(() => PlanItem.ToEntry(Plan.Id, noRanges, "plans-table"));
        error.Message.ShouldContain(Plan.Id);
        error.Message.ShouldContain("plans-table");
    }
}
