using Delivery.Pipeline;
using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Memory;
using Delivery.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.UnitTests.Pipeline;

/// <summary>
/// The ownership rule of record pages (see <see cref="RecordPage"/>): a page goes back, and its bytes to the memory
/// budget, exactly once, when the last batch holding any of its records is acknowledged, dropped or its lease lost, and
/// never while a batch holding it is in flight; a record read after that throws.
/// </summary>
public sealed class PageOwnershipTests : IAsyncDisposable
{
    private const string Shard = "shardId-000000000001";
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingBatchWriter _writer = new();
    private readonly RecordingCheckpointer _checkpointer = new();
    private readonly MemoryBudget _budget = new(64L * 1024 * 1024);
    private DeliveryPipeline? _pipeline;

    [Fact]
    public async Task APageSplitAcrossTwoBatches_GoesBackOnlyWhenBothAreAcknowledged()
    {
        // 30 records of 100 KiB: the 1 MiB size hint cuts after the 11th and the 22nd, so the page spans three batches.
        IShardSession session = Open(sizeInMBs: 1, intervalSeconds: 300);
        RecordPage page = Records.Page(Shard, 1, 30, size: 100 * 1024);
        _writer.BlockWhere = batch => batch.Source.First != Records.Position(1);

        await session.AppendAsync(page, CancellationToken.None);
        await Eventually.TrueAsync(() => _writer.Delivered.Count == 1, "the first batch is delivered");

        page.IsAlive.ShouldBeTrue("the second batch and the buffer still hold records of the page");
        _budget.UsedBytes.ShouldBe(page.MemoryBytes);
        _writer.Unblock();
        await session.DrainAsync(CancellationToken.None);

        page.IsAlive.ShouldBeFalse();
        _budget.UsedBytes.ShouldBe(0, "the page gave its bytes back once, and only once");
        _checkpointer.LastCheckpoint.ShouldBe(Records.Position(30));
    }

    [Fact]
    public async Task ABatchThatIsRetried_HoldsItsPages_UntilItIsDelivered()
    {
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 0);
        RecordPage page = Records.Page(Shard, 1, 5);
        _writer.FailNext(3);

        await session.AppendAsync(page, CancellationToken.None);
        // The retry waits on the fake clock; its timer may not exist yet when the clock first moves, so move it until
        // the second attempt has been made.
        await Eventually.TrueAsync(
            () =>
            {
                _time.Advance(TimeSpan.FromMilliseconds(200));
                return _writer.Attempts >= 2;
            },
            "the batch has failed once and is retried on the clock");
        page.IsAlive.ShouldBeTrue("a batch being retried still holds its records");

        await Eventually.TrueAsync(
            () =>
            {
                _time.Advance(TimeSpan.FromSeconds(10));
                return _checkpointer.LastCheckpoint == Records.Position(5);
            },
            "the batch is delivered after its retries");
        page.IsAlive.ShouldBeFalse();
        _budget.UsedBytes.ShouldBe(0);
        _writer.Delivered.ShouldHaveSingleItem().Records.Count.ShouldBe(5);
    }

    [Fact]
    public async Task ALostLease_ReturnsEveryPage_BufferedOrInFlight_OnceTheDeliveriesAreCancelled()
    {
        IShardSession session = Open(sizeInMBs: 1, intervalSeconds: 300);
        _writer.Block();
        RecordPage inFlight = Records.Page(Shard, 1, 11, size: 100 * 1024);
        RecordPage buffered = Records.Page(Shard, 12, 3, size: 100);

        await session.AppendAsync(inFlight, CancellationToken.None);
        await session.AppendAsync(buffered, CancellationToken.None);
        await Eventually.TrueAsync(() => _writer.Attempts > 0, "the first batch is being written");
        session.Abandon();

        await Eventually.TrueAsync(() => !inFlight.IsAlive && !buffered.IsAlive, "both pages go back");
        _budget.UsedBytes.ShouldBe(0);
        _writer.Delivered.ShouldBeEmpty();
    }

    [Fact]
    public async Task AHardStop_ReturnsThePagesOfEveryBatchStillQueuedOrBeingWritten()
    {
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 0);
        _writer.Block();
        RecordPage[] pages = [.. Enumerable.Range(0, 6).Select(i => Records.Page(Shard, (i * 10) + 1, 10))];
        foreach (RecordPage page in pages)
        {
            await session.AppendAsync(page, CancellationToken.None);
        }

        using var grace = new CancellationTokenSource();
        await grace.CancelAsync();
        await _pipeline!.StopAsync(grace.Token);
        await session.DisposeAsync();

        pages.ShouldAllBe(page => !page.IsAlive);
        _budget.UsedBytes.ShouldBe(0);
    }

    [Fact]
    public async Task ARecordReadAfterItsBatchWasAcknowledged_Throws_InsteadOfReadingAnotherPagesBytes()
    {
        IShardSession session = Open(sizeInMBs: 5, intervalSeconds: 0);
        DeliveryBatch? seen = null;
        // The writer's selector sees the pipeline's own batch; what the writer keeps is a copy.
        _writer.BlockWhere = batch =>
        {
            seen = batch;
            return false;
        };

        await session.AppendAsync(Records.Page(Shard, 1, 3), CancellationToken.None);
        await Eventually.TrueAsync(() => _checkpointer.LastCheckpoint == Records.Position(3), "the batch is acknowledged");

        Should.Throw<ObjectDisposedException>(() => seen!.Records[0].Data.Span.ToArray());
        Should.Throw<ObjectDisposedException>(() => seen!.Records[0].PartitionKey);
    }

    public async ValueTask DisposeAsync()
    {
        _writer.Unblock();
        if (_pipeline is not null)
        {
            await _pipeline.DisposeAsync();
        }
    }

    private IShardSession Open(int sizeInMBs, int intervalSeconds)
    {
        var settings = new PipelineSettings
        {
            Name = "ownership",
            Buffering = new BufferingHints { SizeInMBs = sizeInMBs, IntervalInSeconds = intervalSeconds },
            MaxConcurrentDeliveries = 2,
        };
        _pipeline = new DeliveryPipeline(settings, _writer, new RecordingBackupWriter(), _budget, _time, NullLogger<DeliveryPipeline>.Instance);
        _pipeline.Start();
        return _pipeline.OpenShard(new ShardSessionStart("stream", Shard, null, []), _checkpointer);
    }
}
