using Delivery.Benchmarks.EndToEnd.Transforms;
using Delivery.Destinations.S3;
using Delivery.Formats.Compression;
using Delivery.Pipeline;
using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Memory;
using Delivery.Transforms.Processing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.Benchmarks.EndToEnd;

/// <summary>One pipeline with its in-memory destination and checkpointers.</summary>
internal sealed class Harness : IAsyncDisposable
{
    private readonly InMemoryCheckpointer[] _checkpointers;
    private long _sourceAllocated;

    private readonly CountingBackupWriter _backup;
    private readonly IAsyncDisposable? _writer;

    private Harness(DeliveryPipeline pipeline, IAsyncDisposable? writer, InMemoryS3 store, CountingBackupWriter backup, int shards)
    {
        Pipeline = pipeline;
        _writer = writer;
        Store = store;
        _backup = backup;
        _checkpointers = [.. Enumerable.Range(0, shards).Select(_ => new InMemoryCheckpointer())];
    }

    public DeliveryPipeline Pipeline { get; }

    public required MemoryBudget Budget { get; init; }

    public InMemoryS3 Store { get; }

    /// <summary>Bytes the simulated readers allocated building pages: theirs, not the pipeline's.</summary>
    public long SourceAllocated => Interlocked.Read(ref _sourceAllocated);

    public static Harness Start(Scenario scenario, TransformSetup? transforms, int shards, bool keepObjects)
    {
        (Amazon.S3.IAmazonS3 client, InMemoryS3 store) = InMemoryS3.Create();
        store.KeepObjects = keepObjects;
        var writer = new S3BatchWriter(
            scenario.Parquet is { } pages
                ? new S3DestinationOptions { BucketName = "bench", CompressionFormat = CompressionFormat.Uncompressed, DataFormatConversion = ParquetFloor.Conversion(scenario.Shape, pages) }
                : new S3DestinationOptions { BucketName = "bench", Prefix = transforms?.Prefix ?? "", CompressionFormat = scenario.Compression, CompressionLevel = scenario.Level },
            client,
            NullLogger<S3BatchWriter>.Instance);
        var settings = new PipelineSettings
        {
            Name = "bench",
            Buffering = new BufferingHints { SizeInMBs = scenario.BufferMiB, IntervalInSeconds = scenario.IntervalSeconds, Scope = scenario.Scope },
            MaxConcurrentDeliveries = scenario.MaxConcurrentDeliveries,
        };
        var budget = new MemoryBudget(scenario.MemoryBudgetMiB * 1024L * 1024);
        var backup = new CountingBackupWriter();
        TransformingBatchWriter? processing = transforms?.Wrap(writer);
        Delivery.Plans.PlanServices? plans = scenario.Scope == BufferingScope.Worker ? BenchPlanServices.Create(new Delivery.Testing.InMemoryPlanLedger()) : null;
        var pipeline = new DeliveryPipeline(settings, processing ?? (IBatchWriter)writer, backup, budget, TimeProvider.System, NullLogger<DeliveryPipeline>.Instance, plans: plans);
        pipeline.Start();
        return new Harness(pipeline, processing, store, backup, shards) { Budget = budget };
    }

    /// <summary>What a shard reader does: append pages in order until told to stop, then drain. Returns the pages appended.</summary>
    public async Task<long> ReadShardAsync(InMemoryShardSource source, int shard, Func<int, RecordPage> page, int pages, CancellationToken stop)
    {
        IShardSession session = Pipeline.OpenShard(new ShardSessionStart("bench-stream", InMemoryShardSource.ShardId(shard), null, []), _checkpointers[shard]);
        long appended = 0;
        await using (session.ConfigureAwait(false))
        {
            for (int i = 0; i < pages && i < source.PagesPerShard && !stop.IsCancellationRequested; i++)
            {
                // As the Kinesis reader does: room for the page is taken before it is read. Neither this nor
                // the append is interrupted by the stop: a reader that stops while the batch it cut waits
                // for the delivery queue gives that batch up (its records are read again by the next owner),
                // and the check below expects every appended record to be delivered by the drain.
                await session.ReserveAsync(source.PageMemoryEstimate, CancellationToken.None).ConfigureAwait(false);
                long before = GC.GetAllocatedBytesForCurrentThread();
                RecordPage next = page(i);
                Interlocked.Add(ref _sourceAllocated, GC.GetAllocatedBytesForCurrentThread() - before);
                await session.AppendAsync(next, CancellationToken.None).ConfigureAwait(false);
                appended++;
            }

            await session.DrainAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return appended;
    }

    /// <summary>Every appended record is in an object and every shard checkpointed its last appended record.</summary>
    public void Check(InMemoryShardSource source, long[] appendedPages)
    {
        if (_backup.Records > 0)
        {
            throw new InvalidOperationException($"{_backup.Records} records failed and went to the backup bucket.");
        }

        long expected = 0;
        for (int shard = 0; shard < appendedPages.Length; shard++)
        {
            long records = Math.Min(appendedPages[shard] * source.RecordsPerPage, source.RecordsPerShard);
            expected += records;
            string? last = records == 0 ? null : source.SequenceNumber(shard, records - 1);
            if (_checkpointers[shard].Checkpoint?.SequenceNumber != last)
            {
                throw new InvalidOperationException($"Shard {shard} checkpointed at {_checkpointers[shard].Checkpoint}, not at its last record {last}.");
            }
        }

        if (Store.Records != expected)
        {
            throw new InvalidOperationException($"The objects hold {Store.Records} records; {expected} were fed.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Pipeline.DisposeAsync().ConfigureAwait(false);
        if (_writer is not null)
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
        }
    }
}
