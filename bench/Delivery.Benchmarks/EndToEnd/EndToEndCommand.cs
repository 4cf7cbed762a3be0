using System.Globalization;
using System.IO.Compression;
using Delivery.Benchmarks.Data;
using Delivery.Benchmarks.EndToEnd.Scopes;
using Delivery.Benchmarks.EndToEnd.Transforms;
using Delivery.Benchmarks.Reporting;
using Delivery.Pipeline.Buffering;

namespace Delivery.Benchmarks.EndToEnd;

/// <summary>
/// <c>e2e</c>: the in-process end-to-end figures, each printed beside the reference it is judged by and the target.
/// Options: <c>--quick</c> (small volumes, to check the harness),
/// <c>--only throughput|parquet|transform|http|partitioning|transforms|responses|shards|scopes</c> (<c>transforms</c>: the
/// three before it; <c>scopes</c>: see <see cref="ScopesTable"/>, with <c>--mbs</c> and <c>--workers</c>),
/// <c>--scope Shard,Worker</c> (<c>Buffering:Scope</c> of the throughput and shards rows; with both, each row runs in
/// each scope, one after the other),
/// <c>--sizes 100,600,4k</c>, <c>--levels Fastest,Optimal,SmallestSize</c>, <c>--seconds N</c> (steady window),
/// <c>--verify</c> (keep the throughput runs' objects and check them byte for byte), <c>--rounds N</c> (measure each
/// volume row's pipeline and floor in turn N times and keep each side's median; default 3 for the Parquet rows, 1 for
/// the others).
/// </summary>
public static class EndToEndCommand
{
    public const double RatioTarget = 0.85;
    public const double ResponsesRatioTarget = 0.8;
    public const double SmallRecordsTarget = 2_000_000;
    public const long MemoryAllowanceBytes = 150L * 1000 * 1000;
    public const double ShardCostTolerance = 0.20;

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        bool quick = args.Contains("--quick");
        string only = Option(args, "--only") ?? "all";
        RecordShape[] sizes = [.. (Option(args, "--sizes") ?? "100,600,4k").Split(',').Select(RecordShapes.Parse)];
        CompressionLevel[] levels = [.. (Option(args, "--levels") ?? "Fastest,Optimal,SmallestSize").Split(',').Select(l => Enum.Parse<CompressionLevel>(l, ignoreCase: true))];
        int seconds = int.Parse(Option(args, "--seconds") ?? (quick ? "3" : "10"), CultureInfo.InvariantCulture);
        BufferingScope[] scopes = [.. (Option(args, "--scope") ?? "Shard").Split(',').Select(s => Enum.Parse<BufferingScope>(s, ignoreCase: true))];
        int? rounds = Option(args, "--rounds") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : null;

        await output.WriteLineAsync($"Machine: {Machine.Describe()}").ConfigureAwait(false);
        await output.WriteLineAsync($"Command: Delivery.Benchmarks e2e {string.Join(' ', args)}").ConfigureAwait(false);
        int misses = 0;
        if (only is "all" or "throughput")
        {
            misses += await ThroughputAsync(sizes, levels, scopes, quick, args.Contains("--verify"), rounds ?? 1, output).ConfigureAwait(false);
        }

        if (only is "all" or "parquet")
        {
            misses += await ParquetAsync(sizes.Where(s => ParquetReference.ParquetInputs.For(s) is not null).ToArray(), quick, rounds ?? (quick ? 1 : 3), output).ConfigureAwait(false);
        }

        foreach (PipelineTransform kind in new[] { PipelineTransform.Plugin, PipelineTransform.Http, PipelineTransform.Partitioning })
        {
            if (only == "all" || only == "transforms" || only == Selector(kind))
            {
                misses += await TransformAsync(kind, sizes, quick, rounds ?? 1, output).ConfigureAwait(false);
            }
        }

        if (only is "all" or "responses")
        {
            misses += await ResponsesAsync(sizes, quick, output).ConfigureAwait(false);
        }

        if (only is "all" or "shards")
        {
            misses += await ShardsAsync(sizes.Where(s => s != RecordShape.Trace4K).DefaultIfEmpty(RecordShape.Click600).ToArray(), scopes, seconds, quick, output).ConfigureAwait(false);
        }

        if (only is "all" or "scopes")
        {
            int[] mbs = [.. (Option(args, "--mbs") ?? "128,64,8").Split(',').Select(m => int.Parse(m, CultureInfo.InvariantCulture))];
            int[] workers = [.. (Option(args, "--workers") ?? "1,3").Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture))];
            misses += await ScopesTable.RunAsync(mbs, workers, output).ConfigureAwait(false);
        }

        await output.WriteLineAsync($"Load average at the end: {Machine.LoadAverage()} ({Environment.ProcessorCount} cores; above that, other processes competed for the CPU).").ConfigureAwait(false);
        await output.WriteLineAsync(misses == 0 ? "Every target met." : $"{misses} target(s) missed: see the rows marked MISSED.").ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> ThroughputAsync(RecordShape[] sizes, CompressionLevel[] levels, BufferingScope[] scopes, bool quick, bool verify, int rounds, TextWriter output)
    {
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync("## Throughput against the codec alone (NDJSON + gzip, 4 shards, 5 MiB buffers, 4 concurrent deliveries, pages built before the clock starts)").ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync("| records | gzip level | scope | cores | pipeline MB/s | pipeline records/s | codec alone MB/s | codec alone records/s | ratio | CPU ns/record pipeline / codec | CPU ratio | allocated B/record | JIT in window ms (methods) | objects | target |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|").ConfigureAwait(false);
        int misses = 0;
        foreach (RecordShape shape in sizes)
        {
            foreach (CompressionLevel level in levels)
            {
                foreach ((string cpus, BufferingScope scope) in new[] { "1", "0,1" }.SelectMany(c => scopes.Select(s => (c, s))))
                {
                    int megabytes = level switch
                    {
                        CompressionLevel.Fastest => quick ? 150 : 1000,
                        CompressionLevel.Optimal => quick ? 60 : 300,
                        _ => quick ? 15 : 60,
                    };
                    var scenario = new Scenario { Shape = shape, Level = level, Megabytes = megabytes * cpus.Split(',').Length, Verify = verify, Scope = scope, Rounds = rounds };
                    bool busy = Machine.IsBusy();
                    ScenarioResult r = await ChildProcess.RunAsync(scenario, cpus).ConfigureAwait(false);
                    busy |= Machine.IsBusy();
                    double codecCpu = r.Codec!.CpuSeconds * 1e9 / r.CodecRecords;
                    double cpuRatio = codecCpu / r.CpuNanosecondsPerRecord;

                    // On a busy machine the wall clock measures the neighbours; CPU per record still measures the work.
                    double judged = busy ? cpuRatio : r.Ratio ?? 0;
                    bool met = judged >= RatioTarget;
                    string target = $"{(busy ? "CPU ratio" : "ratio")} >= 0.85 {(met ? "met" : "MISSED")}";
                    if (shape == RecordShape.Log100 && level == CompressionLevel.Fastest && r.Processors == 2)
                    {
                        double rate = busy ? r.Processors * 1e9 / r.CpuNanosecondsPerRecord : r.RecordsPerSecond;
                        bool fast = rate >= SmallRecordsTarget;
                        met &= fast;
                        target += string.Create(CultureInfo.InvariantCulture, $"; {(busy ? $"CPU-bound rate {rate:N0}" : "rate")} >= 2,000,000 records/s {(fast ? "met" : "MISSED")}");
                    }

                    misses += met ? 0 : 1;
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"| {shape.Label()} | {level} | {scope} | {r.Processors} | {r.MegabytesPerSecond:F0} | {r.RecordsPerSecond:N0} | {r.CodecMegabytesPerSecond:F0} | {r.CodecRecordsPerSecond:N0} | {r.Ratio:F2} | {r.CpuNanosecondsPerRecord:F0} / {codecCpu:F0} | {cpuRatio:F2} | {r.AllocatedBytesPerRecord:F0} | {Jit(r)} | {r.Objects} | {target} |")).ConfigureAwait(false);
                }
            }
        }

        return misses;
    }

    /// <summary>
    /// Runs <paramref name="scenario"/> and judges it against its floor: on the wall clock, or on CPU per record when the
    /// machine was busy (the wall clock then measures the neighbours).
    /// </summary>
    private static async Task<(ScenarioResult Result, double FloorCpu, double CpuRatio, bool Busy, bool Met)> RunJudgedAsync(Scenario scenario, string cpus, double target)
    {
        bool busy = Machine.IsBusy();
        ScenarioResult r = await ChildProcess.RunAsync(scenario, cpus).ConfigureAwait(false);
        busy |= Machine.IsBusy();
        double floorCpu = r.Codec!.CpuSeconds * 1e9 / r.CodecRecords;
        double cpuRatio = floorCpu / r.CpuNanosecondsPerRecord;
        double judged = busy ? cpuRatio : r.Ratio ?? 0;
        return (r, floorCpu, cpuRatio, busy, judged >= target);
    }

    /// <summary>Pipelines that convert to Parquet, against the encoder alone on the same records and files.</summary>
    private static async Task<int> ParquetAsync(RecordShape[] sizes, bool quick, int rounds, TextWriter output)
    {
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync($"## Parquet pipelines against the encoder alone (the DuckDB comparison's schemas, 4 shards, 5 MiB buffers, 4 concurrent deliveries, pages built before the clock starts; median of {rounds} round(s) each, pipeline and encoder in turn)").ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync("| records | pages | cores | pipeline MB/s | encoder alone MB/s | ratio | CPU ns/record pipeline / encoder | CPU ratio | allocated B/record | JIT in window ms (methods) | objects | load | target |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---|---|---|---|---|---|---|---|---|---|---|---|").ConfigureAwait(false);
        int misses = 0;
        foreach (RecordShape shape in sizes)
        {
            foreach (Formats.Parquet.ParquetCompression pages in new[] { Formats.Parquet.ParquetCompression.Snappy, Formats.Parquet.ParquetCompression.Gzip })
            {
                foreach (string cpus in new[] { "1", "0,1" })
                {
                    int megabytes = (quick ? 40 : 200) * cpus.Split(',').Length / (pages == Formats.Parquet.ParquetCompression.Gzip ? 2 : 1);
                    var scenario = new Scenario { Shape = shape, Parquet = pages, Megabytes = megabytes, Rounds = rounds };
                    (ScenarioResult r, double floorCpu, double cpuRatio, bool busy, bool met) = await RunJudgedAsync(scenario, cpus, RatioTarget).ConfigureAwait(false);
                    misses += met ? 0 : 1;
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"| {shape.Label()} | {pages} | {r.Processors} | {r.MegabytesPerSecond:F0} | {r.CodecMegabytesPerSecond:F0} | {r.Ratio:F2} | {r.CpuNanosecondsPerRecord:F0} / {floorCpu:F0} | {cpuRatio:F2} | {r.AllocatedBytesPerRecord:F0} | {Jit(r)} | {r.Objects} | {Machine.LoadAverage()} | {(busy ? "CPU ratio" : "ratio")} >= 0.85 {(met ? "met" : "MISSED")} |")).ConfigureAwait(false);
                }
            }
        }

        return misses;
    }

    private static string Selector(PipelineTransform kind) => kind == PipelineTransform.Plugin ? "transform" : kind.ToString().ToLowerInvariant();

    /// <summary>Pipelines with a transform, against the transform's own work alone plus gzip alone (<see cref="TransformFloor"/>).</summary>
    private static async Task<int> TransformAsync(PipelineTransform kind, RecordShape[] sizes, bool quick, int rounds, TextWriter output)
    {
        string what = kind switch
        {
            PipelineTransform.Plugin => "an in-process plugin (adds a field) against the plugin called directly + gzip alone",
            PipelineTransform.Http => "an HTTP transform (Kestrel on 127.0.0.1 in the same process, adds a field) against the same events POSTed directly + gzip alone",
            _ => "dynamic partitioning (a metadata-extraction query on two fields, about 30 partitions) against the query and grouping alone + gzip alone",
        };
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync($"## Pipelines with {what} (NDJSON + gzip Fastest, 4 shards, 5 MiB buffers, 4 concurrent deliveries, pages built before the clock starts)").ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync("| records | cores | pipeline MB/s | floor MB/s | ratio | CPU ns/record pipeline / floor (transform + gzip) | CPU ratio | allocated B/record | objects | load | target |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---|---|---|---|---|---|---|---|---|---|").ConfigureAwait(false);
        int misses = 0;
        foreach (RecordShape shape in sizes)
        {
            foreach (string cpus in new[] { "1", "0,1" })
            {
                int megabytes = (quick ? 30 : 120) * cpus.Split(',').Length;
                var scenario = new Scenario { Shape = shape, Transform = kind, Megabytes = megabytes, MaxRecords = 2_000_000, Rounds = rounds };
                (ScenarioResult r, double floorCpu, double cpuRatio, bool busy, bool met) = await RunJudgedAsync(scenario, cpus, RatioTarget).ConfigureAwait(false);
                double workCpu = r.FloorWork!.CpuSeconds * 1e9 / r.CodecRecords;
                misses += met ? 0 : 1;
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"| {shape.Label()} | {r.Processors} | {r.MegabytesPerSecond:F0} | {r.CodecMegabytesPerSecond:F0} | {r.Ratio:F2} | {r.CpuNanosecondsPerRecord:F0} / {floorCpu:F0} ({workCpu:F0} + {floorCpu - workCpu:F0}) | {cpuRatio:F2} | {r.AllocatedBytesPerRecord:F0} | {r.Objects} | {Machine.LoadAverage()} | {(busy ? "CPU ratio" : "ratio")} >= 0.85 {(met ? "met" : "MISSED")} |")).ConfigureAwait(false);
            }
        }

        return misses;
    }

    private static async Task<int> ResponsesAsync(RecordShape[] sizes, bool quick, TextWriter output)
    {
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync("## From GetRecords answers against parse + gzip (JSON with base64 data as Kinesis sends it, parsed into pages by the Kinesis reader's parser as the run goes; NDJSON + gzip Fastest, 4 shards, 5 MiB buffers)").ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync("| records | cores | pipeline MB/s | pipeline records/s | parse + gzip MB/s | parse + gzip records/s | ratio | CPU ns/record pipeline / floor | CPU ratio | allocated B/record (pipeline + parser) | target |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---|---|---|---|---|---|---|---|---|---|").ConfigureAwait(false);
        int misses = 0;
        foreach (RecordShape shape in sizes)
        {
            foreach (string cpus in new[] { "1", "0,1" })
            {
                int megabytes = (quick ? 50 : 300) * cpus.Split(',').Length;
                var scenario = new Scenario { Shape = shape, Megabytes = megabytes, MaxRecords = 3_000_000, FromResponses = true, Prebuilt = false, CodecFloor = false };
                (ScenarioResult r, double floorCpu, double cpuRatio, bool busy, bool met) = await RunJudgedAsync(scenario, cpus, ResponsesRatioTarget).ConfigureAwait(false);
                misses += met ? 0 : 1;
                string target = $"{(busy ? "CPU ratio" : "ratio")} >= 0.8 {(met ? "met" : "MISSED")}";
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"| {shape.Label()} | {r.Processors} | {r.MegabytesPerSecond:F0} | {r.RecordsPerSecond:N0} | {r.CodecMegabytesPerSecond:F0} | {r.CodecRecordsPerSecond:N0} | {r.Ratio:F2} | {r.CpuNanosecondsPerRecord:F0} / {floorCpu:F0} | {cpuRatio:F2} | {(double)r.Use.AllocatedBytes / r.Records:F0} | {target} |")).ConfigureAwait(false);
            }
        }

        return misses;
    }

    private static async Task<int> ShardsAsync(RecordShape[] sizes, BufferingScope[] scopes, int seconds, bool quick, TextWriter output)
    {
        const int budgetMiB = 512;
        long limit = budgetMiB * 1024L * 1024 + MemoryAllowanceBytes;
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync($"## Shard count (2 cores, gzip Fastest, 5 MiB buffers, memory budget {budgetMiB} MiB, readers as fast as the pipeline takes pages of up to 10,000 records built as they are read; {seconds} s window)").ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync($"| records | shards | scope | MB/s | records/s | peak RSS MB (limit {limit / 1e6:F0}) | budget peak MB | live MB after full GC | GC heap peak MB | CPU ns/record | cost vs 100 shards | allocated B/record (readers' pages) | objects | avg object KB | target |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|").ConfigureAwait(false);
        int misses = 0;
        foreach (RecordShape shape in sizes)
        {
            var baselines = new Dictionary<BufferingScope, double>();
            foreach ((int shards, BufferingScope scope) in (quick ? new[] { 4, 100, 1000 } : [4, 100, 500, 1000]).SelectMany(n => scopes.Select(s => (n, s))))
            {
                var scenario = new Scenario { Shape = shape, Shards = shards, Seconds = seconds, Prebuilt = false, CodecFloor = false, MemoryBudgetMiB = budgetMiB, Scope = scope };
                ScenarioResult r = await ChildProcess.RunAsync(scenario, "0,1").ConfigureAwait(false);
                double cost = r.CpuNanosecondsPerRecord;
                if (shards == 100)
                {
                    baselines[scope] = cost;
                }

                double? baseline = baselines.TryGetValue(scope, out double b100) ? b100 : null;

                bool memoryMet = r.Use.PeakResidentBytes <= limit;
                bool liveMet = r.LiveBytesAfterFullCollection <= limit;
                bool costMet = shards < 100 || baseline is null || cost <= baseline.Value * (1 + ShardCostTolerance);
                misses += (memoryMet ? 0 : 1) + (liveMet ? 0 : 1) + (costMet ? 0 : 1);
                string relative = shards >= 100 && baseline is { } b ? (cost / b).ToString("F2", CultureInfo.InvariantCulture) : "-";
                string target = $"RSS {(memoryMet ? "met" : "MISSED")}; live {(liveMet ? "met" : "MISSED")}" + (shards > 100 ? $"; cost flat {(costMet ? "met" : "MISSED")}" : "");
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"| {shape.Label()} | {shards} | {scope} | {r.MegabytesPerSecond:F0} | {r.RecordsPerSecond:N0} | {r.Use.PeakResidentBytes / 1e6:F0} | {r.BudgetPeakBytes / 1e6:F0} | {r.LiveBytesAfterFullCollection / 1e6:F0} | {r.HeapPeakBytes / 1e6:F0} | {cost:F0} | {relative} | {Allocated(r)} ({r.SourceAllocatedBytesPerRecord:F0}) | {r.Objects} | {r.ObjectBytes / Math.Max(1, r.Objects) / 1e3:F0} | {target} |")).ConfigureAwait(false);
            }
        }

        return misses;
    }

    // With many shards waiting, the pages built in the window and the records delivered in it differ enough to make the
    // pipeline's share come out below zero; it is unknown then, not negative.
    private static string Allocated(ScenarioResult r) =>
        r.AllocatedBytesPerRecord >= 0 ? r.AllocatedBytesPerRecord.ToString("F0", CultureInfo.InvariantCulture) : "n/a";

    // What the JIT compiled while the pipeline was measured (elapsed time, on any thread): near zero once warmed up.
    private static string Jit(ScenarioResult r) =>
        string.Create(CultureInfo.InvariantCulture, $"{r.Use.JitSeconds * 1e3:F0} ({r.Use.JitMethods})");

    private static string? Option(string[] args, string name)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
