using System.Text;
using Delivery.Transforms;
using static Delivery.UnitTests.Transforms.TransformTestBatches;

namespace Delivery.UnitTests.Transforms.Plugins;

/// <summary>
/// A record a plugin is handed reads its metadata from its page when first asked, and is still the positional record
/// plugin authors write and compare: equal to one built from the same values, deconstructed and copied as before.
/// </summary>
public sealed class TransformRecordTests
{
    private static readonly IReadOnlyDictionary<string, string> NoKeys = new Dictionary<string, string>();

    [Fact]
    public void MadeFromAPageRecord_ItsMetadataIsReadFromThePage_AndItEqualsOneBuiltFromTheValues()
    {
        DeliveryBatch batch = Of("a", "b");
        SourceRecord source = batch.Records[1];
        ReadOnlyMemory<byte> data = source.Data;

        var fromPage = new TransformRecord("1", data, batch.ShardIdOf(source), source, NoKeys);
        var metadata = new KinesisRecordMetadata("shardId-000000000003", "pk1", "4959000001", 0, FirstArrival.AddSeconds(1).ToUnixTimeMilliseconds());
        var built = new TransformRecord("1", data, FirstArrival.AddSeconds(1), metadata, NoKeys);

        fromPage.ApproximateArrivalTimestamp.ShouldBe(FirstArrival.AddSeconds(1));
        fromPage.KinesisRecordMetadata.ShouldBe(metadata);
        fromPage.KinesisRecordMetadata.ShouldBeSameAs(fromPage.KinesisRecordMetadata);
        fromPage.ShouldBe(built);
        fromPage.GetHashCode().ShouldBe(built.GetHashCode());
        (fromPage with { RecordId = "2" }).ShouldNotBe(built);
        (fromPage with { Data = Encoding.UTF8.GetBytes("b") }).ShouldNotBe(built, "Data compares as a ReadOnlyMemory does: by the memory, not the bytes");
        fromPage.ToString().ShouldBe(built.ToString());
        fromPage.ToString().ShouldContain("SequenceNumber = 4959000001");

        (string id, ReadOnlyMemory<byte> bytes, DateTimeOffset arrival, KinesisRecordMetadata read, IReadOnlyDictionary<string, string> keys) = fromPage;
        (id, bytes, arrival, read, keys).ShouldBe(("1", data, FirstArrival.AddSeconds(1), metadata, NoKeys));
    }

    [Fact]
    public void ACopyWithOtherData_KeepsTheMetadata_AndMetadataGivenInACopy_IsTheOneRead()
    {
        DeliveryBatch batch = Of("a");
        SourceRecord source = batch.Records[0];
        var record = new TransformRecord("0", source.Data, batch.ShardIdOf(source), source, NoKeys);
        var other = new KinesisRecordMetadata("shardId-000000000009", "k", "1", 2, 3);

        (record with { Data = new byte[] { 1 } }).KinesisRecordMetadata.SequenceNumber.ShouldBe("4959000000");
        (record with { KinesisRecordMetadata = other }).KinesisRecordMetadata.ShouldBeSameAs(other);
    }
}
