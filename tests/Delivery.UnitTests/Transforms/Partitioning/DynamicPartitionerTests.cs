using Delivery.Transforms.Partitioning;
using Delivery.Transforms.Processing;
using Delivery.UnitTests.Transforms.Plugins;
using static Delivery.UnitTests.Transforms.TransformTestBatches;

namespace Delivery.UnitTests.Transforms.Partitioning;

public sealed class DynamicPartitionerTests
{
    [Fact]
    public void KeysThatCannotBeRead_FailTheirRecordOnly()
    {
        DeliveryBatch batch = Of("a", "b", "c");
        ProcessingRun run = Run(batch);
        ChainRecord[] records =
        [
            new(0, batch.Records[0].Data, KeysFromTransform: Keys("gold")),
            new(1, batch.Records[1].Data, KeysFromTransform: new ThrowingKeys()),
            new(2, batch.Records[2].Data, KeysFromTransform: Keys(null!)),
        ];

        List<PartitionGroup> groups = Partitioner().Group(run, records);

        groups.ShouldHaveSingleItem().Records.ShouldHaveSingleItem().SourceIndex.ShouldBe(0);
        run.Failures().Select(f => (f.Index, f.ErrorCode)).ShouldBe(
            [(1, TransformErrorCodes.InvalidPartitionKeyValue), (2, TransformErrorCodes.InvalidPartitionKeyValue)]);
        run.Failures()[0].ErrorMessage.ShouldContain("the keys are broken");
        run.Failures()[1].ErrorMessage.ShouldContain("it is null");
    }

    private static DynamicPartitioner Partitioner() => new(new PartitioningSettings { QueryKeys = [], LambdaKeys = ["tier"] });

    private static Dictionary<string, string> Keys(string tier) => new() { ["tier"] = tier };
}
