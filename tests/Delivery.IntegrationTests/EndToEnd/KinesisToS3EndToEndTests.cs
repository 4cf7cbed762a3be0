using Delivery.Testing;

namespace Delivery.IntegrationTests.EndToEnd;

/// <summary>The whole path on the local stack: a 4-shard stream, the worker executable, gzip NDJSON objects in S3.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class KinesisToS3EndToEndTests(LocalAwsStack stack)
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task EveryRecord_LandsInS3ExactlyOnce_ByteForByte_InShardOrder_AndCheckpointsReachTheLastSequenceNumbers()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(shards: 4);
        var random = new Random(20_000);
        await scenario.PutAsync(RecordMix.Mixed(20_000, random, largeRecords: 24), random);

        await using WorkerProcess worker = WorkerProcess.Start(stack, scenario.WorkerSettings());
        await scenario.WaitForCheckpointsAsync(DeliveryTimeout, () => worker.Output);
        await worker.StopGracefullyAsync(TimeSpan.FromSeconds(60));

        int objects = await scenario.VerifyDeliveredExactlyOnceAsync();
        objects.ShouldBeGreaterThanOrEqualTo(4, "each shard's records go to objects of their own");
        (await scenario.CheckpointsAsync()).ShouldBe(scenario.LastSequenceNumberByShard(), ignoreOrder: true);
        scenario.PutCount.ShouldBe(20_000);
    }

    [Fact]
    public async Task RecordsPutWithTheAwsCli_AreTheBytesTheAwsCliReadsBackFromS3()
    {
        using var scenario = new DeliveryScenario(stack);
        using var cli = new AwsCli(stack);
        scenario.PutRecordsWith = cli.PutRecordsAsync;
        await scenario.CreateAsync(shards: 2);
        var random = new Random(2_016);
        await scenario.PutAsync(RecordMix.Mixed(1_200, random, largeRecords: 2), random);

        await using WorkerProcess worker = WorkerProcess.Start(stack, scenario.WorkerSettings());
        await scenario.WaitForCheckpointsAsync(DeliveryTimeout, () => worker.Output);
        await worker.StopGracefullyAsync(TimeSpan.FromSeconds(60));

        List<DeliveredObject> objects = await cli.ReadObjectsAsync(scenario.BucketName, "e2e/");
        scenario.VerifyExactlyOnce(objects).ShouldBeGreaterThanOrEqualTo(2, "each shard's records go to objects of their own");
        scenario.PutCount.ShouldBe(1_200);
    }

    [Fact]
    public async Task WorkerRestarts_AbruptAndGraceful_LoseNothing_AndNeverDeliverARecordInTwoObjects()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(shards: 4);
        var random = new Random(7);
        using var producing = new CancellationTokenSource();

        // Records keep arriving while workers come and go.
        Task producer = Task.Run(async () =>
        {
            for (int round = 0; round < 40 && !producing.IsCancellationRequested; round++)
            {
                await scenario.PutAsync(RecordMix.Small(150, random), random);
                await Task.Delay(300);
            }
        });

        WorkerProcess first = WorkerProcess.Start(stack, scenario.WorkerSettings());
        await Eventually.TrueAsync(() => first.Output.Contains("BatchDelivered", StringComparison.Ordinal) || first.Output.Contains("delivered batch", StringComparison.Ordinal), "the first worker delivers something", TimeSpan.FromSeconds(60));
        await Task.Delay(1500);
        await first.CrashAsync();

        // A new worker takes the dead one's leases once they expire, and cuts its planned batches again.
        await using WorkerProcess second = WorkerProcess.Start(stack, scenario.WorkerSettings());
        await Eventually.TrueAsync(() => second.Output.Contains("took the lease", StringComparison.Ordinal), "the second worker takes leases", TimeSpan.FromSeconds(60));
        await Task.Delay(3000);
        await second.StopGracefullyAsync(TimeSpan.FromSeconds(60));
        second.Output.ShouldContain("released the lease");

        await using WorkerProcess third = WorkerProcess.Start(stack, scenario.WorkerSettings());
        await Eventually.TrueAsync(() => third.Output.Contains("Application started", StringComparison.Ordinal), "the third worker has started", TimeSpan.FromSeconds(60));
        await producer;
        await scenario.WaitForCheckpointsAsync(DeliveryTimeout, () => first.Output + second.Output + third.Output);
        await third.StopGracefullyAsync(TimeSpan.FromSeconds(60));

        await scenario.VerifyDeliveredExactlyOnceAsync();
        (await scenario.CheckpointsAsync()).ShouldBe(scenario.LastSequenceNumberByShard(), ignoreOrder: true);
        await first.DisposeAsync();
    }

    [Fact]
    public async Task AWorkerPointedAtAStreamThatDoesNotExist_ExitsNonZero_NamingTheStream()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateBucketAsync();

        await using WorkerProcess worker = WorkerProcess.Start(stack, scenario.WorkerSettings());
        int exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(60));

        exitCode.ShouldNotBe(0, worker.Output);
        worker.Output.ShouldContain($"Kinesis stream '{scenario.StreamName}' was not found");
    }
}
