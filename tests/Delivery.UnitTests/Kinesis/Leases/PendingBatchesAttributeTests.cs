using Amazon.DynamoDBv2.Model;
using Delivery.Kinesis.Leases;

namespace Delivery.UnitTests.Kinesis.Leases;

public sealed class PendingBatchesAttributeTests
{
    private static readonly ShardPosition A = new("49600000000000000000000000000000000000000000000000000011", 0);
    private static readonly ShardPosition B = new("49600000000000000000000000000000000000000000000000000020", 3);

    [Fact]
    public void APieceOfAPlan_KeepsItsPlanIdAndDoneMark_ThroughTheItem()
    {
        PlannedBatch[] pending = [new(A, B), new(A, B, "0123456789abcdef0123456789abcdef"), new(A, B, "fedcba9876543210fedcba9876543210", Done: true)];

        AttributeValue attribute = DynamoDbLeaseStore.PendingToAttribute(pending);

        DynamoDbLeaseStore.PendingFromAttribute(attribute).ShouldBe(pending);
        attribute.L[0].M.Keys.ShouldBe(["first", "firstSub", "last", "lastSub"], ignoreOrder: true, "a batch of one shard is written as before plans existed");
        attribute.L[1].M["plan"].S.ShouldBe("0123456789abcdef0123456789abcdef");
        attribute.L[1].M.ShouldNotContainKey("done");
        attribute.L[2].M["done"].BOOL.ShouldBe(true);
    }

    [Fact]
    public void AnItemWrittenBeforePlans_ReadsAsBatchesOfOneShard()
    {
        var old = new AttributeValue
        {
            L =
            [
                new AttributeValue { M = new() { ["first"] = new() { S = A.SequenceNumber }, ["firstSub"] = new() { N = "0" }, ["last"] = new() { S = B.SequenceNumber }, ["lastSub"] = new() { N = "3" } } },
            ],
        };

        PlannedBatch read = DynamoDbLeaseStore.PendingFromAttribute(old).ShouldHaveSingleItem();

        read.ShouldBe(new PlannedBatch(A, B));
        read.PlanId.ShouldBeNull();
        read.Done.ShouldBeFalse();
    }
}
