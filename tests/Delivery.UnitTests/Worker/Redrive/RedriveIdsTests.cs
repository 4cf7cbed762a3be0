using Delivery.Worker.Redrive;

namespace Delivery.UnitTests.Worker.Redrive;

public sealed class RedriveIdsTests
{
    private const string Key = "http-endpoint-failed/2026/03/04/05/orders-1-2026-03-04-05-06-07-abc.gz";

    [Fact]
    public void TheBatchId_DependsOnTheBucketKeyAndLinesOnly_SoARunAfterACrashUsesTheSameOne()
    {
        string first = RedriveIds.SourceOf("backup", Key, 1, 12).DeterministicId();

        RedriveIds.SourceOf("backup", Key, 1, 12).DeterministicId().ShouldBe(first);
        RedriveIds.SourceOf("backup", Key + "x", 1, 12).DeterministicId().ShouldNotBe(first);
        RedriveIds.SourceOf("backup", Key, 1, 11).DeterministicId().ShouldNotBe(first);
        RedriveIds.SourceOf("other-backup", Key, 1, 12).DeterministicId().ShouldNotBe(first);
    }

    [Fact]
    public void TheBatchId_IsNeverTheOriginalBatchs_SoARedrivenObjectCannotReplaceADeliveredOne()
    {
        // Even a backup key that looks like a shard id, with sequence numbers that look like line numbers.
        var original = new BatchSource("stream", "shardId-000000000000", new ShardPosition("1"), new ShardPosition("3"));
        var redriven = RedriveIds.SourceOf("stream", "shardId-000000000000", 1, 3);

        redriven.DeterministicId().ShouldNotBe(original.DeterministicId());
    }

    [Fact]
    public void LinePositions_OrderByNumber_AsKinesisSequenceNumbersDo()
    {
        (RedriveIds.PositionOf(9) < RedriveIds.PositionOf(10)).ShouldBeTrue();
        (RedriveIds.PositionOf(10) < RedriveIds.PositionOf(11)).ShouldBeTrue();
    }

    [Fact]
    public void AMarkerKey_LeadsBackToItsBackupObject_AndNothingElseIsAMarker()
    {
        string marker = RedriveIds.MarkerKey(Key);

        marker.ShouldBe("delivery-redrive/done/" + Key + ".json");
        RedriveIds.BackupKeyOf(marker).ShouldBe(Key);
        RedriveIds.BackupKeyOf(Key).ShouldBeNull();
        RedriveIds.BackupKeyOf("delivery-redrive/done/.json").ShouldBeNull();
        RedriveIds.BackupKeyOf("delivery-redrive/failed/x.json").ShouldBeNull();
    }
}
