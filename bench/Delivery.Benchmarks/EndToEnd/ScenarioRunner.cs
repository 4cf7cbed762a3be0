using Delivery.Benchmarks.Data;
using Delivery.Benchmarks.EndToEnd.Transforms;
using Delivery.Destinations.S3;
using Delivery.Pages;
using Delivery.Pipeline;

namespace Delivery.Benchmarks.EndToEnd;

/// <summary>
/// Runs the real <see cref="DeliveryPipeline"/> with the real <see cref="S3BatchWriter"/> in this process: simulated
/// shards append pages to their sessions as shard readers do, the writer formats and compresses every batch exactly as
/// in production, and only the upload is replaced by <see cref="InMemoryS3"/>. Every shard is drained at the end and
/// the run checks that each record fed was delivered and checkpointed.
/// </summary>
public static class ScenarioRunner
{
    public static async Task<ScenarioResult> RunAsync(Scenario scenario, TextWriter progress)
    {
        if (scenario.Verify && scenario.Transform != PipelineTransform.None)
        {
            throw new ArgumentException("--verify checks objects against the records fed, which a transform changes.", nameof(scenario));
        }

        RecordPool pool = RecordPool.Generate(scenario.Shape);
        await using TransformSetup? transforms = await TransformSetup.StartAsync(scenario).ConfigureAwait(false);
        bool steady = scenario.Seconds > 0;
        long perShard = steady ? long.MaxValue / 2 / scenario.Shards : scenario.RecordsFor(pool) / scenario.Shards;
        var source = new InMemoryShardSource(pool, scenario.Shards, perShard, scenario.RecordsPerPage);

        // Tier-1 code and warm pools before anything is measured: short volume runs of the same configuration.
        int warmShards = Math.Min(scenario.Shards, 64);
        var warmSource = new InMemoryShardSource(pool, warmShards, Math.Max(1, 200_000 / warmShards), scenario.RecordsPerPage);

        // A run fed from GetRecords answers warms the parser too, on both of the paths it is measured on: as readers
        // call it, and in the floor's loop. Otherwise each side measures whatever tier the JIT had reached.
        byte[][][]? warmResponses = scenario.FromResponses ? GetRecordsResponses.Build(warmSource) : null;
        // Until the code is compiled as it would be in a worker that has run for a while (see WarmUp). Steady runs have
        // a warm-up of their own inside the window's run, and keep three runs here.
        WarmUp warmUp = steady ? new WarmUp { MaxRuns = 3 } : new WarmUp();
        bool warm;
        do
        {
            TimeSpan compiling = System.Runtime.JitInfo.GetCompilationTime();
            long warmStart = System.Diagnostics.Stopwatch.GetTimestamp();
            await FeedVolumeAsync(scenario, transforms, warmSource, warmResponses is null ? Prebuild(warmSource, scenario.Prebuilt) : null, verify: false, warmResponses).ConfigureAwait(false);
            if (warmResponses is not null)
            {
                GetRecordsResponses.ParseAndCompress(scenario, warmResponses);
            }

            TimeSpan compiled = System.Runtime.JitInfo.GetCompilationTime() - compiling;
            TimeSpan took = System.Diagnostics.Stopwatch.GetElapsedTime(warmStart);
            warm = warmUp.Done(took, compiled);
            if (warm)
            {
                await progress.WriteLineAsync($"  warmed up in {warmUp.Runs} runs (the last {took.TotalMilliseconds:F0} ms, compiling {compiled.TotalMilliseconds:F0} ms)").ConfigureAwait(false);
            }
        }
        while (!warm);

        if (scenario.CodecFloor)
        {
            Floor(scenario, transforms, warmSource, maxBytes: 32L * 1024 * 1024);
        }

        await progress.WriteLineAsync(steady
            ? $"  {scenario.Shape.Label()} on {scenario.Shards} shards for {scenario.Seconds} s, {scenario.CodecLabel}{scenario.TransformLabel}, {Environment.ProcessorCount} processor(s)..."
            : $"  {scenario.Shape.Label()} x {source.TotalRecords:N0} records on {scenario.Shards} shards, {scenario.CodecLabel}{scenario.TransformLabel}, {Environment.ProcessorCount} processor(s)...").ConfigureAwait(false);

        // Volume runs may measure the pipeline and its floor in turn several times and keep each side's median round
        // (by CPU per record): on a machine shared with other work, one round of each can land 20 % apart on either side.
        var rounds = new List<(FeedOutcome Outcome, Floored? Floor)>();
        for (int round = 0; round < (steady ? 1 : Math.Max(1, scenario.Rounds)); round++)
        {
            RecordPage[][]? pages = Prebuild(source, scenario.Prebuilt && !steady && !scenario.FromResponses);
            byte[][][]? responses = scenario.FromResponses ? GetRecordsResponses.Build(source) : null;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            FeedOutcome fed = steady
                ? await FeedSteadyAsync(scenario, transforms, source, pool).ConfigureAwait(false)
                : await FeedVolumeAsync(scenario, transforms, source, pages, scenario.Verify && round == 0, responses, measured: true).ConfigureAwait(false);
            pages = null;
            Floored? floor = null;
            if (responses is not null)
            {
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                (ResourceUse use, long records, long bytes) = GetRecordsResponses.ParseAndCompress(scenario, responses);
                floor = new Floored(use, null, records, bytes);
            }
            else if (scenario.CodecFloor)
            {
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                var floorSource = steady ? new InMemoryShardSource(pool, Math.Min(scenario.Shards, 16), 1_000_000_000L, scenario.RecordsPerPage) : source;
                (ResourceUse use, ResourceUse? work, long records, long bytes) = Floor(scenario, transforms, floorSource, maxBytes: scenario.Parquet is null && transforms is null ? 768L * 1024 * 1024 : 256L * 1024 * 1024, measured: true);
                floor = new Floored(use, work, records, bytes);
            }

            rounds.Add((fed, floor));
            await progress.WriteLineAsync($"  round {round + 1}: pipeline {fed.Use.CpuSeconds * 1e9 / fed.Records:F0} CPU ns/record (JIT {fed.Use.JitSeconds * 1e3:F0} ms), floor {(floor is null ? "-" : (floor.Use.CpuSeconds * 1e9 / floor.Records).ToString("F0", System.Globalization.CultureInfo.InvariantCulture))}").ConfigureAwait(false);
        }

        FeedOutcome outcome = rounds.OrderBy(r => r.Outcome.Use.CpuSeconds / r.Outcome.Records).ElementAt(rounds.Count / 2).Outcome with { Verified = rounds[0].Outcome.Verified };
        Floored? floored = rounds.Any(r => r.Floor is null) ? null : rounds.Select(r => r.Floor!).OrderBy(f => f.Use.CpuSeconds / f.Records).ElementAt(rounds.Count / 2);

        return new ScenarioResult
        {
            Scenario = scenario,
            Processors = Environment.ProcessorCount,
            Records = outcome.Records,
            Bytes = outcome.Bytes,
            Objects = outcome.Objects,
            ObjectBytes = outcome.ObjectBytes,
            Use = outcome.Use,
            Codec = floored?.Use,
            CodecRecords = floored?.Records ?? 0,
            CodecBytes = floored?.Bytes ?? 0,
            FloorWork = floored?.Work,
            Rounds = rounds.Count,
            Verified = outcome.Verified,
            SourceAllocatedBytes = outcome.SourceAllocated,
            BudgetPeakBytes = outcome.BudgetPeak,
            LiveBytesAfterFullCollection = outcome.LiveAfterFullCollection,
            HeapPeakBytes = outcome.HeapPeak,
        };
    }

    private static (ResourceUse Use, ResourceUse? Work, long Records, long Bytes) Floor(Scenario scenario, TransformSetup? transforms, InMemoryShardSource source, long maxBytes, bool measured = false)
    {
        if (transforms is not null)
        {
            return TransformFloor.Measure(scenario, source, maxBytes, transforms);
        }

        (ResourceUse use, long records, long bytes) = scenario.Parquet is null ? CodecFloor.Measure(scenario, source, maxBytes, measured) : ParquetFloor.Measure(scenario, source, maxBytes, measured);
        return (use, null, records, bytes);
    }

    private static RecordPage[][]? Prebuild(InMemoryShardSource source, bool prebuilt) => prebuilt
        ? [.. Enumerable.Range(0, source.Shards).Select(s => Enumerable.Range(0, source.PagesPerShard).Select(p => source.CreatePage(s, p)).ToArray())]
        : null;

    /// <summary>Feeds every record of <paramref name="source"/> and times until the last one is checkpointed.</summary>
    private static async Task<FeedOutcome> FeedVolumeAsync(Scenario scenario, TransformSetup? transforms, InMemoryShardSource source, RecordPage[][]? pages, bool verify, byte[][][]? responses = null, bool measured = false)
    {
        await using Harness harness = Harness.Start(scenario, transforms, source.Shards, keepObjects: verify);

        // Pages built before the clock go back to PageMemory as their batches are delivered, and past its retention
        // (32 MiB) each block was unmapped: 4-7 % of the pipeline's CPU in the 100 B rows (perf). In a worker the
        // readers rent returned blocks again for their next pages, so a release is a push on the pool's free list;
        // the run keeps every block for that reason, and frees them after the clock.
        long retention = PageMemory.MaxRetainedBytes;
        if (pages is not null)
        {
            PageMemory.MaxRetainedBytes = long.MaxValue;
        }

        ResourceUse use;
        long[] appended;
        try
        {
            using ProfilerWindow? window = measured ? ProfilerWindow.Open("pipeline") : null;
            var meter = ResourceMeter.Start();
            Task<long>[] shards = [.. Enumerable.Range(0, source.Shards).Select(shard => Task.Run(() =>
                harness.ReadShardAsync(
                    source,
                    shard,
                    page => responses is not null ? GetRecordsResponses.Parse(responses[shard][page], shard) : pages?[shard][page] ?? source.CreatePage(shard, page),
                    source.PagesPerShard,
                    CancellationToken.None)))];
            appended = await Task.WhenAll(shards).ConfigureAwait(false);
            await harness.Pipeline.StopAsync(CancellationToken.None).ConfigureAwait(false);
            use = meter.Stop();
        }
        finally
        {
            if (pages is not null)
            {
                PageMemory.MaxRetainedBytes = retention;
                PageMemory.Trim();
            }
        }

        long sourceAllocated = harness.SourceAllocated;
        harness.Check(source, appended);
        string? verified = verify ? ObjectVerifier.Verify(source, harness.Store) : null;
        long bytes = 0;
        for (int s = 0; s < source.Shards; s++)
        {
            for (long i = 0; i < source.RecordsPerShard; i++)
            {
                bytes += source.Data(s, i).Length;
            }
        }

        return new FeedOutcome(harness.Store.Records, bytes, harness.Store.ObjectCount, harness.Store.ObjectBytes, use, verified, sourceAllocated);
    }

    /// <summary>
    /// Readers append as fast as the pipeline lets them; after a warm-up, the figures cover <see cref="Scenario.Seconds"/>
    /// of delivered records. The peak resident set covers the whole run, warm-up included.
    /// </summary>
    private static async Task<FeedOutcome> FeedSteadyAsync(Scenario scenario, TransformSetup? transforms, InMemoryShardSource source, RecordPool pool)
    {
        await using Harness harness = Harness.Start(scenario, transforms, source.Shards, keepObjects: false);
        ResourceMeter.ResetPeakResidentSet();
        using var stop = new CancellationTokenSource();
        Task<long>[] shards = [.. Enumerable.Range(0, source.Shards).Select(shard => Task.Run(() =>
            harness.ReadShardAsync(source, shard, page => source.CreatePage(shard, page), int.MaxValue, stop.Token)))];
        // Warm-up: until the pipeline is in its steady state, which with many shards is only reached once the memory
        // budget has filled and pressure cuts deliver every shard's buffer (and at least two seconds).
        var warmUp = System.Diagnostics.Stopwatch.StartNew();
        while ((warmUp.Elapsed < TimeSpan.FromSeconds(2) || harness.Store.ObjectCount < Math.Max(8, scenario.Shards)) && warmUp.Elapsed < TimeSpan.FromSeconds(90))
        {
            await Task.Delay(100).ConfigureAwait(false);
        }

        (long records, long objects, long objectBytes, long sourceAllocated) = (harness.Store.Records, harness.Store.ObjectCount, harness.Store.ObjectBytes, harness.SourceAllocated);
        var meter = ResourceMeter.Start(resetPeak: false);
        long budgetPeak = 0;
        long heapPeak = 0;
        var window = System.Diagnostics.Stopwatch.StartNew();
        while (window.Elapsed < TimeSpan.FromSeconds(scenario.Seconds))
        {
            budgetPeak = Math.Max(budgetPeak, harness.Budget.UsedBytes);
            heapPeak = Math.Max(heapPeak, GC.GetGCMemoryInfo().HeapSizeBytes);
            await Task.Delay(50).ConfigureAwait(false);
        }

        (long records2, long objects2, long objectBytes2, long sourceAllocated2) = (harness.Store.Records, harness.Store.ObjectCount, harness.Store.ObjectBytes, harness.SourceAllocated);
        ResourceUse use = meter.Stop();

        // After the window, so that the forced collection costs the figures above nothing.
        long live = GC.GetTotalMemory(forceFullCollection: true);
        await stop.CancelAsync().ConfigureAwait(false);
        long[] appended = await Task.WhenAll(shards).ConfigureAwait(false);
        await harness.Pipeline.StopAsync(CancellationToken.None).ConfigureAwait(false);
        harness.Check(source, appended);
        long delivered = records2 - records;
        if (delivered == 0)
        {
            throw new InvalidOperationException($"No record was delivered in the {scenario.Seconds} s window: lengthen it with --seconds.");
        }

        return new FeedOutcome(delivered, (long)(delivered * pool.AverageBytes), objects2 - objects, objectBytes2 - objectBytes, use, null, sourceAllocated2 - sourceAllocated)
        {
            BudgetPeak = budgetPeak,
            LiveAfterFullCollection = live,
            HeapPeak = heapPeak,
        };
    }

    private sealed record Floored(ResourceUse Use, ResourceUse? Work, long Records, long Bytes);

    private sealed record FeedOutcome(long Records, long Bytes, long Objects, long ObjectBytes, ResourceUse Use, string? Verified, long SourceAllocated)
    {
        public long BudgetPeak { get; init; }

        public long LiveAfterFullCollection { get; init; }

        public long HeapPeak { get; init; }
    }
}
