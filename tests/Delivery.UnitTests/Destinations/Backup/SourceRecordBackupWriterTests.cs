using Delivery.Destinations.Backup;
using Delivery.Testing;
using Delivery.UnitTests.Destinations.S3;
using Delivery.UnitTests.Pipeline;

namespace Delivery.UnitTests.Destinations.Backup;

public sealed class SourceRecordBackupWriterTests
{
    [Fact]
    public async Task EveryRawRecord_IsBackedUp_BeforeTheDestinationSeesTheBatch()
    {
        var backup = new RecordingBatchWriter();
        var destination = new RecordingBatchWriter();
        DeliveryBatch batch = TestBatches.Create();
        backup.Block();

        Task<BatchWriteResult> write = new SourceRecordBackupWriter(destination, backup).WriteAsync(batch, CancellationToken.None);
        await Eventually.TrueAsync(() => backup.Attempts == 1, "the backup write to start");
        await Task.Delay(50);
        destination.Attempts.ShouldBe(0);
        backup.Unblock();

        (await write).AllDelivered.ShouldBeTrue();
        backup.Written.ShouldHaveSingleItem().Records.ShouldBe(batch.Records, "the backup gets the batch as read");
        destination.Written.ShouldHaveSingleItem().Records.ShouldBe(batch.Records);
        backup.Written.Single().Id.ShouldBe(batch.Id);
    }

    [Fact]
    public async Task ABackupThatFails_Throws_AndTheDestinationIsNotCalled()
    {
        var backup = new RecordingBatchWriter { ThrowOnce = new DeliveryException("backup bucket unreachable") };
        var destination = new RecordingBatchWriter();

        await Should.ThrowAsync<DeliveryException>(() => new SourceRecordBackupWriter(destination, backup).WriteAsync(TestBatches.Create(), CancellationToken.None));

        destination.Written.ShouldBeEmpty();
    }

    [Fact]
    public async Task TheDestinationsFailedRecords_AreReturnedUnchanged()
    {
        FailedRecord failed = new(1, "HttpEndpoint.DestinationException", "status 500", ErrorOutputTypes.HttpEndpointFailed, 3);
        var destination = new RecordingBatchWriter { FailRecords = _ => [failed] };

        BatchWriteResult result = await new SourceRecordBackupWriter(destination, new RecordingBatchWriter()).WriteAsync(TestBatches.Create(), CancellationToken.None);

        result.FailedRecords.ShouldBe([failed]);
    }
}
