using System.Text;
using Amazon.S3;
using Delivery.Destinations.Http;
using Delivery.Pipeline.Memory;
using Delivery.Testing;
using Delivery.IntegrationTests.Destinations.Backup;
using static Delivery.IntegrationTests.Destinations.PipelineHarness;

namespace Delivery.IntegrationTests.Destinations.Http;

/// <summary>
/// A flaky receiver behind a real pipeline and a real backup bucket: every record ends either delivered once or in the
/// backup bucket with its error, never both, never lost, and the shard's checkpoint reaches its last record.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class HttpEndpointDeliveryTests : IAsyncLifetime
{
    private readonly AmazonS3Client _s3;
    private readonly string _backupBucket = LocalAwsStack.UniqueName("http-backup");
    private FirehoseReceiver _receiver = null!;

    public HttpEndpointDeliveryTests(LocalAwsStack stack)
    {
        _s3 = stack.CreateS3Client();
    }

    public static TheoryData<string, string?> Cases => new()
    {
        { "500 twice", null },
        { "connection reset once", null },
        { "slower than the timeout once", null },
        { "wrong requestId once", null },
        { "413", "HttpEndpoint.RequestEntityTooLarge" },
        { "500 always", "HttpEndpoint.DestinationException" },
        { "wrong requestId always", "HttpEndpoint.InvalidResponseFromDestination" },
        { "connection reset always", "HttpEndpoint.ConnectionReset" },
    };

    public async Task InitializeAsync()
    {
        _receiver = await FirehoseReceiver.StartAsync();
        await _s3.PutBucketAsync(_backupBucket);
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _s3.Dispose();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EveryRecord_EndsDeliveredOnceOrInTheBackupBucket(string behaviour, string? expectedErrorCode)
    {
        _receiver.Behaviour = Behaviour(behaviour);
        HttpEndpointOptions options = HttpTestBatches.Options(_receiver.Url);
        // Cases that recover get room for a slow machine; cases that never recover give up after a few attempts.
        options.RetryDurationSeconds = expectedErrorCode is null ? 20 : 3;
        options.RequestTimeoutSeconds = 2;
        List<SourceRecord>[] pages = [Records(0, 40), Records(40, 25), Records(65, 30)];

        await using (var harness = new PipelineHarness(HttpTestBatches.Writer(options), _s3, _backupBucket, new MemoryBudget(64L * 1024 * 1024)))
        {
            foreach (List<SourceRecord> page in pages)
            {
                await harness.AppendAsync(page);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            (await harness.DrainAsync(timeout.Token)).ShouldBe(Position(94));
        }

        string[] sent = [.. pages.SelectMany(p => p).Select(r => Encoding.UTF8.GetString(r.Data.Span))];
        ReceivedRequest[] accepted = [.. _receiver.Accepted];
        accepted.Select(a => a.RequestId).ShouldBeUnique("no request may be accepted twice");
        List<string> delivered = [.. accepted.SelectMany(a => a.Records).Select(r => Encoding.UTF8.GetString(r))];
        List<BackedUp> backedUp = await BackupBucket.ReadAsync(_s3, _backupBucket);
        if (expectedErrorCode is null)
        {
            backedUp.ShouldBeEmpty();

            // Two deliveries run at once, so batches may arrive in either order; each request keeps its records' order.
            delivered.Order(StringComparer.Ordinal).ShouldBe(sent.Order(StringComparer.Ordinal));
        }
        else
        {
            delivered.ShouldBeEmpty();
            backedUp.Select(b => Encoding.UTF8.GetString(b.RawData)).Order(StringComparer.Ordinal).ShouldBe(sent.Order(StringComparer.Ordinal));
            backedUp.ShouldAllBe(b => b.ErrorCode == expectedErrorCode && b.Key.StartsWith("http-endpoint-failed/", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task ADestinationDownLongerThanTheBufferHolds_StopsReadingWithinTheBudget_AndResumesWithoutLoss()
    {
        bool down = true;
        _receiver.Behaviour = (_, _) => Volatile.Read(ref down) ? Reply.WithStatus(503, "maintenance") : Reply.Ok;
        HttpEndpointOptions options = HttpTestBatches.Options(_receiver.Url);
        options.RetryDurationSeconds = 600;
        const long Capacity = 256 * 1024;
        List<SourceRecord>[] pages = [.. Enumerable.Range(0, 40).Select(p => Records(p * 50, 50, padding: 1000))];
        int appended = 0;
        long mostUsed = 0;

        await using (var harness = new PipelineHarness(HttpTestBatches.Writer(options), _s3, _backupBucket, new MemoryBudget(Capacity), maxConcurrentDeliveries: 1))
        {
            Task reading = Task.Run(async () =>
            {
                foreach (List<SourceRecord> page in pages)
                {
                    await harness.AppendAsync(page);
                    Interlocked.Increment(ref appended);
                }
            });
            Task sampling = Task.Run(async () =>
            {
                while (!reading.IsCompleted)
                {
                    mostUsed = Math.Max(mostUsed, harness.Budget.UsedBytes);
                    await Task.Delay(5);
                }
            });

            await Task.Delay(TimeSpan.FromSeconds(2));
            int whileDown = Volatile.Read(ref appended);
            await Task.Delay(TimeSpan.FromSeconds(2));
            Volatile.Read(ref appended).ShouldBe(whileDown, "reading must stop while the destination is down");
            reading.IsCompleted.ShouldBeFalse();
            whileDown.ShouldBeLessThan(pages.Length);
            _receiver.Accepted.ShouldBeEmpty();

            Volatile.Write(ref down, false);
            await reading.WaitAsync(TimeSpan.FromSeconds(60));
            await sampling;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            (await harness.DrainAsync(timeout.Token)).ShouldBe(Position((pages.Length * 50) - 1));
        }

        mostUsed.ShouldBeLessThanOrEqualTo(Capacity);
        _receiver.Accepted.Select(a => a.RequestId).ShouldBeUnique();
        _receiver.Accepted.SelectMany(a => a.Records).Select(r => Encoding.UTF8.GetString(r))
            .ShouldBe(pages.SelectMany(p => p).Select(r => Encoding.UTF8.GetString(r.Data.Span)));
        (await BackupBucket.ReadAsync(_s3, _backupBucket)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ABackupBucketThatCannotBeWritten_HoldsTheCheckpoint_AndReadingWaits_UntilItCanBe()
    {
        _receiver.Behaviour = (_, _) => Reply.WithStatus(413, "too large");
        string notYetThere = LocalAwsStack.UniqueName("late-backup");
        const long Capacity = 64 * 1024;
        List<SourceRecord>[] pages = [.. Enumerable.Range(0, 20).Select(p => Records(p * 10, 10, padding: 1000))];
        int appended = 0;

        await using (var harness = new PipelineHarness(HttpTestBatches.Writer(HttpTestBatches.Options(_receiver.Url)), _s3, notYetThere, new MemoryBudget(Capacity)))
        {
            Task reading = Task.Run(async () =>
            {
                foreach (List<SourceRecord> page in pages)
                {
                    await harness.AppendAsync(page);
                    Interlocked.Increment(ref appended);
                }
            });

            await Task.Delay(TimeSpan.FromSeconds(3));
            harness.LastCheckpoint.ShouldBeNull("no record may be checkpointed before its backup is written");
            reading.IsCompleted.ShouldBeFalse("reading must wait while failed records cannot be backed up");
            harness.Budget.UsedBytes.ShouldBeLessThanOrEqualTo(Capacity);

            await _s3.PutBucketAsync(notYetThere);
            await reading.WaitAsync(TimeSpan.FromSeconds(60));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            (await harness.DrainAsync(timeout.Token)).ShouldBe(Position(199));
        }

        _receiver.Accepted.ShouldBeEmpty();
        List<BackedUp> backedUp = await BackupBucket.ReadAsync(_s3, notYetThere);
        backedUp.Select(b => Encoding.UTF8.GetString(b.RawData)).Order(StringComparer.Ordinal)
            .ShouldBe(pages.SelectMany(p => p).Select(r => Encoding.UTF8.GetString(r.Data.Span)).Order(StringComparer.Ordinal));
        backedUp.ShouldAllBe(b => b.ErrorCode == "HttpEndpoint.RequestEntityTooLarge");
    }

    private static Func<ReceivedRequest, int, Reply> Behaviour(string name) => name switch
    {
        "500 twice" => (_, n) => n <= 2 ? Reply.WithStatus(500, "internal") : Reply.Ok,
        "connection reset once" => (_, n) => n == 1 ? Reply.ConnectionReset : Reply.Ok,
        "slower than the timeout once" => (_, n) => n == 1 ? Reply.Slow(TimeSpan.FromSeconds(8)) : Reply.Ok,
        "wrong requestId once" => (_, n) => n == 1 ? Reply.WrongRequestId : Reply.Ok,
        "413" => (_, _) => Reply.WithStatus(413, "too large"),
        "500 always" => (_, _) => Reply.WithStatus(500, "internal"),
        "wrong requestId always" => (_, _) => Reply.WrongRequestId,
        "connection reset always" => (_, _) => Reply.ConnectionReset,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };
}
