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

    [Fact]
    public void RecordsSharingKeys_OrHoldingEqualOnes_ArePlacedAlike()
    {
        DeliveryBatch batch = Of("a", "b", "c", "d", "e", "f");
        ProcessingRun run = Run(batch);
        Dictionary<string, string> shared = Keys("gold");
        Dictionary<string, string> separator = Keys("go\u0001ld");
        Dictionary<string, string> missing = new() { ["other"] = "x" };
        ChainRecord[] records =
        [
            new(0, batch.Records[0].Data, KeysFromTransform: shared),
            new(1, batch.Records[1].Data, KeysFromTransform: missing),
            new(2, batch.Records[2].Data, KeysFromTransform: Keys("gold")),
            new(3, batch.Records[3].Data, KeysFromTransform: separator),
            new(4, batch.Records[4].Data, KeysFromTransform: missing),
            new(5, batch.Records[5].Data, KeysFromTransform: shared),
        ];

        List<PartitionGroup> groups = Partitioner().Group(run, records);

        groups.ShouldHaveSingleItem().Records.Select(record => record.SourceIndex).ShouldBe([0, 2, 5]);
        run.Failures().Select(f => (f.Index, f.ErrorCode)).ShouldBe(
            [(1, TransformErrorCodes.MissingPartitionKey), (3, TransformErrorCodes.InvalidPartitionKeyValue), (4, TransformErrorCodes.MissingPartitionKey)]);
    }

    private static DynamicPartitioner Partitioner() => new(new PartitioningSettings { QueryKeys = [], LambdaKeys = ["tier"] });

    private static Dictionary<string, string> Keys(string tier) => new() { ["tier"] = tier };
}
