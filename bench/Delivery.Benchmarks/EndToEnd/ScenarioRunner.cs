using Delivery.Benchmarks.Data;
using Delivery.Destinations.S3;
using Delivery.Formats.Compression;
using Delivery.Pipeline;
using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Memory;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.Benchmarks.EndToEnd;

/// <summary>
/// Runs the real <see cref="DeliveryPipeline"/> with the real <see cref="S3BatchWriter"/> in this process: simulated
/// shards append pages to their sessions as shard readers do, the writer formats and compresses every batch exactly as
/// in production, and only the upload is replaced by <see cref="InMemoryS3"/>. Each shard is drained at the end, so
/// the clock stops when every record is delivered and checkpointed.
/// </summary>
public static class ScenarioRunner
{
    public static async Task<ScenarioResult> RunAsync(Scenario scenario, TextWriter progress)
    {
        RecordPool pool = RecordPool.Generate(scenario.Shape);
        long records = scenario.RecordsFor(pool);
        var source = new InMemoryShardSource(pool, scenario.Shards, records / scenario.Shards);

        // Tier-1 code and warm pools for the measured run: a short run of the same configuration first.
        var warmSource = new InMemoryShardSource(pool, Math.Min(scenario.Shards, 64), Math.Max(1, Math.Min(source.RecordsPerShard, 200_000 / Math.Min(scenario.Shards, 64))));
        for (int i = 0; i < 3; i++)
        {
            await FeedAsync(scenario, warmSource, Prebuild(warmSource, scenario.Prebuilt), verify: false).ConfigureAwait(false);
        }

        if (scenario.CodecFloor)
        {
            CodecFloor.Measure(scenario, warmSource, maxBytes: 32L * 1024 * 1024);
        }

        await progress.WriteLineAsync($"  {scenario.Shape.Label()} x {source.TotalRecords:N0} records on {scenario.Shards} shards, {scenario.CodecLabel}, {Environment.ProcessorCount} processor(s)...").ConfigureAwait(false);
        RecordPage[][]? pages = Prebuild(source, scenario.Prebuilt);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        (ResourceUse use, InMemoryS3 store, string? verified) = await FeedAsync(scenario, source, pages, scenario.Verify).ConfigureAwait(false);
        pages = null;

        ResourceUse? codec = null;
        long codecRecords = 0;
        long codecBytes = 0;
        if (scenario.CodecFloor)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            (codec, codecRecords, codecBytes) = CodecFloor.Measure(scenario, source, maxBytes: 768L * 1024 * 1024);
        }

        return new ScenarioResult
        {
            Scenario = scenario,
            Processors = Environment.ProcessorCount,
            Records = store.Records,
            Bytes = TotalBytes(source),
            Objects = store.ObjectCount,
            ObjectBytes = store.ObjectBytes,
            Use = use,
            Codec = codec,
            CodecRecords = codecRecords,
            CodecBytes = codecBytes,
            Verified = verified,
        };
    }

    private static RecordPage[][]? Prebuild(InMemoryShardSource source, bool prebuilt) => prebuilt
        ? [.. Enumerable.Range(0, source.Shards).Select(s => Enumerable.Range(0, source.PagesPerShard).Select(p => source.CreateSharedPage(s, p)).ToArray())]
        : null;

    private static long TotalBytes(InMemoryShardSource source)
    {
        long bytes = 0;
        for (int s = 0; s < source.Shards; s++)
        {
            for (long i = 0; i < source.RecordsPerShard; i++)
            {
                bytes += source.Data(s, i).Length;
            }
        }

        return bytes;
    }

    private static async Task<(ResourceUse Use, InMemoryS3 Store, string? Verified)> FeedAsync(Scenario scenario, InMemoryShardSource source, RecordPage[][]? pages, bool verify)
    {
        (Amazon.S3.IAmazonS3 client, InMemoryS3 store) = InMemoryS3.Create();
        store.KeepObjects = verify;
        var writer = new S3BatchWriter(
            new S3DestinationOptions { BucketName = "bench", CompressionFormat = scenario.Compression, CompressionLevel = scenario.Level },
            client,
            NullLogger<S3BatchWriter>.Instance);
        var settings = new PipelineSettings
        {
            Name = "bench",
            Buffering = new BufferingHints { SizeInMBs = scenario.BufferMiB, IntervalInSeconds = scenario.IntervalSeconds },
            MaxConcurrentDeliveries = scenario.MaxConcurrentDeliveries,
        };
        var budget = new MemoryBudget(scenario.MemoryBudgetMiB * 1024L * 1024);
        var checkpointers = Enumerable.Range(0, source.Shards).Select(_ => new InMemoryCheckpointer()).ToArray();
        await using var pipeline = new DeliveryPipeline(settings, writer, budget, TimeProvider.System, NullLogger<DeliveryPipeline>.Instance);
        pipeline.Start();

        var meter = ResourceMeter.Start();
        Task[] shards = [.. Enumerable.Range(0, source.Shards).Select(shard => Task.Run(() => ReadShardAsync(pipeline, source, pages, shard, checkpointers[shard])))];
        await Task.WhenAll(shards).ConfigureAwait(false);
        await pipeline.StopAsync(CancellationToken.None).ConfigureAwait(false);
        ResourceUse use = meter.Stop();

        Check(source, store, checkpointers);
        string? verified = verify ? ObjectVerifier.Verify(source, store) : null;
        return (use, store, verified);
    }

    private static async Task ReadShardAsync(DeliveryPipeline pipeline, InMemoryShardSource source, RecordPage[][]? pages, int shard, InMemoryCheckpointer checkpointer)
    {
        IShardSession session = pipeline.OpenShard(new ShardSessionStart("bench-stream", InMemoryShardSource.ShardId(shard), null, []), checkpointer);
        await using (session.ConfigureAwait(false))
        {
            for (int page = 0; page < source.PagesPerShard; page++)
            {
                await session.AppendAsync(pages?[shard][page] ?? source.CreatePage(shard, page), CancellationToken.None).ConfigureAwait(false);
            }

            await session.DrainAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static void Check(InMemoryShardSource source, InMemoryS3 store, InMemoryCheckpointer[] checkpointers)
    {
        if (store.Records != source.TotalRecords)
        {
            throw new InvalidOperationException($"The objects hold {store.Records} records; {source.TotalRecords} were fed.");
        }

        for (int shard = 0; shard < source.Shards; shard++)
        {
            string last = source.SequenceNumber(shard, source.RecordsPerShard - 1);
            if (checkpointers[shard].Checkpoint?.SequenceNumber != last)
            {
                throw new InvalidOperationException($"Shard {shard} checkpointed at {checkpointers[shard].Checkpoint}, not at its last record {last}.");
            }
        }
    }
}
