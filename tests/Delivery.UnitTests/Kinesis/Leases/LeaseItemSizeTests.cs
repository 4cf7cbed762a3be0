using System.Text;
using Amazon.DynamoDBv2.Model;
using Delivery.Kinesis.Leases;
using Delivery.Pipeline;

namespace Delivery.UnitTests.Kinesis.Leases;

public sealed class LeaseItemSizeTests
{
    // DynamoDB refuses any write that makes an item larger than this.
    private const int MaxItemBytes = 400 * 1024;

    [Fact]
    public void ALeaseAtTheShardsLimitOfPendingBatches_IsATenthOfDynamoDbsItemLimit()
    {
        // The worst case: Kinesis's 56-digit sequence numbers, large subsequence numbers (KPL aggregates), every
        // optional attribute, every batch a piece of a worker-scope plan, and the limit reached plus the most cuts one 10 MiB page of 1 MiB batches can add.
        string Sequence(int n) => "4959" + n.ToString("D52", System.Globalization.CultureInfo.InvariantCulture);
        int batches = PipelineSettings.DefaultMaxPendingBatchesPerShard + 11;
        var lease = new Lease
        {
            LeaseKey = "shardId-000000099999",
            Owner = "ip-10-0-123-45.eu-west-1.compute.internal-0123456789ab",
            Counter = long.MaxValue,
            Checkpoint = new LeaseCheckpoint(Sequence(0), long.MaxValue),
            OwnerSwitchesSinceCheckpoint = long.MaxValue,
            ParentShardIds = ["shardId-000000099997", "shardId-000000099998"],
            ChildShardIds = ["shardId-000000100000", "shardId-000000100001"],
            StartingHashKey = new string('9', 39),
            EndingHashKey = new string('9', 39),
            PendingBatches = [.. Enumerable.Range(0, batches).Select(i => new PlannedBatch(
                new ShardPosition(Sequence((2 * i) + 1), 9_999_999), new ShardPosition(Sequence((2 * i) + 2), 9_999_999), PlanId: new string('f', 32), Done: true))],
            StartingSequenceNumber = Sequence(0),
            Tenure = long.MaxValue,
            PendingOwner = "ip-10-0-123-46.eu-west-1.compute.internal-ba9876543210",
        };

        int size = ItemSize(DynamoDbLeaseStore.ToItem(lease));

        size.ShouldBeLessThan(MaxItemBytes / 10, $"{batches} planned batches make an item of {size} bytes");
    }

    /// <summary>An item's size as DynamoDB counts it: names and values in UTF-8, numbers by their digits, 1 byte per element of a list or map plus 3 for the container.</summary>
    private static int ItemSize(Dictionary<string, AttributeValue> item) =>
        item.Sum(pair => Encoding.UTF8.GetByteCount(pair.Key) + ValueSize(pair.Value));

    private static int ValueSize(AttributeValue value)
    {
        if (value.S is not null)
        {
            return Encoding.UTF8.GetByteCount(value.S);
        }

        if (value.N is not null)
        {
            return (value.N.TrimStart('-').Length + 1) / 2 + 1;
        }

        if (value.SS is { Count: > 0 } set)
        {
            return set.Sum(Encoding.UTF8.GetByteCount);
        }

        if (value.L is { Count: > 0 } list)
        {
            return 3 + list.Sum(element => 1 + ValueSize(element));
        }

        if (value.M is { Count: > 0 } map)
        {
            return 3 + map.Sum(pair => 1 + Encoding.UTF8.GetByteCount(pair.Key) + ValueSize(pair.Value));
        }

        return 1;
    }
}
