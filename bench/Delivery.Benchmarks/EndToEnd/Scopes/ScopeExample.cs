using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using Delivery.Benchmarks.Data;
using Delivery.Benchmarks.EndToEnd.Transforms;
using Delivery.Destinations.S3;
using Delivery.Formats.Compression;
using Delivery.Pipeline;
using Delivery.Pipeline.Buffering;
using Delivery.Pipeline.Memory;
using Delivery.Testing;
using Delivery.Transforms.Processing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Delivery.Benchmarks.EndToEnd.Scopes;

/// <summary>One row of the scopes table: a buffering scope, a buffer size and how many workers share the shards.</summary>
public sealed record ScopeCase(BufferingScope Scope, int SizeInMBs, int Workers);

/// <summary>
/// One object the run wrote: by which worker, in which interval (<see cref="ScopeExample.Intervals"/>: the final
/// drain), and the how-manieth cut of its worker it came from (0: the worker's first).
/// </summary>
public sealed record WrittenObject(int Worker, int Interval, string BatchId, int Cut, long CompressedBytes, long UncompressedBytes, long Records);

/// <summary>What one <see cref="ScopeCase"/> wrote, and how often a reader had to wait for memory.</summary>
public sealed record ScopeOutcome(ScopeCase Case, IReadOnlyList<WrittenObject> Objects, long PressureWaits, double IntervalBytesPerPartitionPerWorker, TimeSpan Elapsed);

/// <summary>
/// Issue 18's example on simulated time: 100 shards at 10 KB/s each, dynamic partitioning by 20 customers, a 300 s
/// interval. Each simulated second every shard appends its 10 KB page (clickstream records with a <c>customer</c>
/// field, spread evenly), a <see cref="FakeTimeProvider"/> moves on one second, and what was cut in that second is
/// written before the next one starts (a write takes less than a second here, as it does to S3 in the same region), so
/// cuts happen when they would in production, and a run of 15 minutes takes as long as its records take to process. The real pipeline,
/// transforming writer (metadata extraction, dynamic partitioning) and S3 writer with gzip run as in production; only
/// S3 is <see cref="InMemoryS3"/>. Several workers are several pipelines sharing one plan ledger and the shards.
/// </summary>
public static class ScopeExample
{
    public const int Shards = 100;
    public const int BytesPerShardPerSecond = 10_000;
    public const int IntervalSeconds = 300;
    public const int Customers = 20;
    public const int Intervals = 3;

    /// <summary>Per worker: far above what one interval buffers (about 300 MB), so memory pressure does not cut.</summary>
    public const int BudgetMiB = 2048;

    public const string PartitionQuery = "{customer: .customer}";
    public const string Prefix = "customer=!{partitionKeyFromQuery:customer}/";
    private static readonly DateTimeOffset Start = new(2026, 1, 15, 8, 0, 0, TimeSpan.Zero);

    public static RecordPool Records() =>
        RecordPool.Generate(RecordShape.Click600).WithLeadingField("customer", i => "c" + (i % Customers).ToString("D2", CultureInfo.InvariantCulture));

    public static async Task<ScopeOutcome> RunAsync(ScopeCase run, RecordPool pool)
    {
        int perSecond = (int)Math.Round(BytesPerShardPerSecond / pool.AverageBytes);
        int seconds = IntervalSeconds * Intervals;
        var source = new InMemoryShardSource(pool, Shards, (long)perSecond * seconds, perSecond);
        var time = new FakeTimeProvider(Start);
        var objects = new ConcurrentQueue<WrittenObject>();
        int interval = 0;
        var stores = new List<InMemoryS3>();
        var ledger = new InMemoryPlanLedger();
        long pressure = 0;
        var workers = new List<(DeliveryPipeline Pipeline, TransformingBatchWriter Writer)>();
        for (int w = 0; w < run.Workers; w++)
        {
            // A store per worker, to tell which worker's cut an object came from; they stand for one bucket.
            (Amazon.S3.IAmazonS3 client, InMemoryS3 store) = InMemoryS3.Create();
            stores.Add(store);
            int worker = w;
            var cuts = new List<string>();
            store.Inspect = stored =>
            {
                string batchId = stored.Metadata["batch-id"];
                int cut;
                lock (cuts)
                {
                    cut = cuts.IndexOf(batchId);
                    if (cut < 0)
                    {
                        cuts.Add(batchId);
                        cut = cuts.Count - 1;
                    }
                }

                objects.Enqueue(new WrittenObject(worker, Volatile.Read(ref interval), batchId, cut, stored.Body.Length, Uncompressed(stored.Body), long.Parse(stored.Metadata["record-count"], CultureInfo.InvariantCulture)));
            };
            var writer = new S3BatchWriter(new S3DestinationOptions { BucketName = "bench", Prefix = Prefix, CompressionFormat = CompressionFormat.Gzip }, client, NullLogger<S3BatchWriter>.Instance);
            TransformingBatchWriter processing = TransformSetup.Partitioned(PartitionQuery, Prefix, writer);
            var budget = new MemoryBudget(BudgetMiB * 1024L * 1024);
            budget.Pressure += () => Interlocked.Increment(ref pressure);
            var settings = new PipelineSettings
            {
                Name = "bench",
                Buffering = new BufferingHints { SizeInMBs = run.SizeInMBs, IntervalInSeconds = IntervalSeconds, Scope = run.Scope },
                PartitionsObjects = true,
            };
            var pipeline = new DeliveryPipeline(settings, processing, new CountingBackupWriter(), budget, time, NullLogger<DeliveryPipeline>.Instance, plans: BenchPlanServices.Create(ledger));
            pipeline.Start();
            workers.Add((pipeline, processing));
        }

        var checkpointers = Enumerable.Range(0, Shards).Select(_ => new InMemoryCheckpointer()).ToArray();
        IShardSession[] sessions = [.. Enumerable.Range(0, Shards).Select(s => workers[s % run.Workers].Pipeline.OpenShard(
            new ShardSessionStart("bench-stream", InMemoryShardSource.ShardId(s), null, []), checkpointers[s]))];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long appended = 0;
        try
        {
            for (int second = 0; second < seconds; second++)
            {
                for (int s = 0; s < Shards; s++)
                {
                    await sessions[s].ReserveAsync(source.PageMemoryEstimate, CancellationToken.None).ConfigureAwait(false);
                    RecordPage page = source.CreatePage(s, second);
                    appended += page.Count;
                    await sessions[s].AppendAsync(page, CancellationToken.None).ConfigureAwait(false);
                }

                time.Advance(TimeSpan.FromSeconds(1));
                await QuietAsync(workers.Select(w => w.Pipeline), stores, appended).ConfigureAwait(false);
                if ((second + 1) % IntervalSeconds == 0)
                {
                    Interlocked.Increment(ref interval);
                }
            }

            await Task.WhenAll(sessions.Select(s => s.DrainAsync(CancellationToken.None))).ConfigureAwait(false);
            foreach ((DeliveryPipeline pipeline, _) in workers)
            {
                await pipeline.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }

            Check(source, checkpointers, stores.Sum(s => s.Records), appended, seconds);
        }
        finally
        {
            foreach (IShardSession session in sessions)
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }

            foreach ((DeliveryPipeline pipeline, TransformingBatchWriter writer) in workers)
            {
                await pipeline.DisposeAsync().ConfigureAwait(false);
                await writer.DisposeAsync().ConfigureAwait(false);
            }
        }

        double perPartition = perSecond * pool.AverageBytes * Shards * IntervalSeconds / Customers / run.Workers;
        return new ScopeOutcome(run, [.. objects], pressure, perPartition, clock.Elapsed);
    }

    /// <summary>
    /// Waits until every record appended is written or still buffered, and no batch is in flight. Cuts happen on this
    /// thread only (in appends, and in the timers the fake clock fires as it moves), so once the sessions say so,
    /// nothing more is on its way.
    /// </summary>
    private static async Task QuietAsync(IEnumerable<DeliveryPipeline> pipelines, List<InMemoryS3> stores, long appended)
    {
        DeliveryPipeline[] all = [.. pipelines];
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            ShardDeliveryStatus[] statuses = [.. all.SelectMany(p => p.ShardStatuses())];
            long buffered = statuses.Sum(s => (long)s.BufferedRecords);
            long written = stores.Sum(s => s.Records);
            if (statuses.All(s => s.InFlightBatches == 0) && written + buffered == appended)
            {
                return;
            }

            if (waited.Elapsed > TimeSpan.FromMinutes(3))
            {
                throw new InvalidOperationException($"The pipelines did not settle: {written} records written, {buffered} buffered, {appended} appended.");
            }

            await Task.Delay(1).ConfigureAwait(false);
        }
    }

    private static void Check(InMemoryShardSource source, InMemoryCheckpointer[] checkpointers, long written, long appended, int seconds)
    {
        for (int s = 0; s < Shards; s++)
        {
            string last = source.SequenceNumber(s, ((long)seconds * source.RecordsPerPage) - 1);
            if (checkpointers[s].Checkpoint?.SequenceNumber != last)
            {
                throw new InvalidOperationException($"Shard {s} checkpointed at {checkpointers[s].Checkpoint}, not at its last record {last}.");
            }
        }

        if (written != appended)
        {
            throw new InvalidOperationException($"The objects hold {written} records; {appended} were appended.");
        }
    }

    private static long Uncompressed(byte[] gzip)
    {
        using var input = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        byte[] scratch = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            long total = 0;
            int read;
            while ((read = input.Read(scratch, 0, scratch.Length)) > 0)
            {
                total += read;
            }

            return total;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
