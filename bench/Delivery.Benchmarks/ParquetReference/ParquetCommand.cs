using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Delivery.Benchmarks.Reporting;

namespace Delivery.Benchmarks.ParquetReference;

/// <summary>
/// <c>parquet</c>: our JSON -> Parquet encoder beside DuckDB's (<c>read_json</c> with the same schema, <c>COPY ... (FORMAT
/// parquet)</c>, <c>threads=1</c>) on the same NDJSON file and page codec, each in a process of its own pinned to the same
/// core. Every row is judged against the targets: 1.5 times DuckDB's speed (median of the runs), a file no larger than
/// DuckDB's + 5 %, allocations below a quarter of the input, and our file read back by DuckDB equal to DuckDB's own,
/// row by row. Options: <c>--inputs 600,100,nested</c>, <c>--codecs snappy,gzip</c>, <c>--runs N</c> (default 7),
/// <c>--cpu N</c> (default 1), <c>--data DIR</c> (keep the inputs and files there, for a profiler).
/// </summary>
public static class ParquetCommand
{
    public const double SpeedTarget = 1.5;
    public const double SizeTarget = 1.05;
    public const double AllocationTarget = 0.25;

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        ParquetInput[] inputs = [.. (Option(args, "--inputs") ?? "600,100,nested").Split(',').Select(ParquetInputs.Parse)];
        string[] codecs = (Option(args, "--codecs") ?? "snappy,gzip").Split(',');
        int runs = int.Parse(Option(args, "--runs") ?? "7", CultureInfo.InvariantCulture);
        string cpu = Option(args, "--cpu") ?? "1";
        string? kept = Option(args, "--data");
        string directory = kept is null ? Directory.CreateTempSubdirectory("delivery-parquet-bench-").FullName : Directory.CreateDirectory(kept).FullName;
        try
        {
            await output.WriteLineAsync($"Machine: {Machine.Describe()}").ConfigureAwait(false);
            await output.WriteLineAsync($"Command: Delivery.Benchmarks parquet {string.Join(' ', args)}").ConfigureAwait(false);
            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteLineAsync($"## JSON -> Parquet, Delivery against DuckDB (same file, same schema, same page codec; each pinned to CPU {cpu}; median of {runs} runs after warm-up, best in brackets)").ConfigureAwait(false);
            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteLineAsync("| input | pages | records | DuckDB MB/s | Delivery MB/s | ratio (>= 1.5) | CPU-time MB/s DuckDB / Delivery | CPU ratio | size Delivery / DuckDB (<= 1.05) | allocated / input (< 0.25) | GCs gen0/1/2 (pause ms) | read back | load | target |").ConfigureAwait(false);
            await output.WriteLineAsync("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|").ConfigureAwait(false);
            int misses = 0;
            foreach (ParquetInput input in inputs)
            {
                string ndjson = Path.Combine(directory, input.Name + ".ndjson");
                await ParquetInputs.WriteNdjsonAsync(input, ndjson).ConfigureAwait(false);
                long inputBytes = new FileInfo(ndjson).Length;
                int records = ParquetInputs.ReadRecords(ndjson).Length;
                long recordBytes = inputBytes - records; // the newlines are not record data
                foreach (string codec in codecs)
                {
                    string load = Machine.LoadAverage();
                    bool busy = Machine.IsBusy();
                    string theirsFile = Path.Combine(directory, $"{input.Name}-{codec}-duckdb.parquet");
                    string oursFile = Path.Combine(directory, $"{input.Name}-{codec}-delivery.parquet");
                    ConversionTimes theirs = await DuckDbReference.ConvertAsync(input, ndjson, theirsFile, codec, runs, cpu).ConfigureAwait(false);
                    ConversionTimes ours = await RunEncoderAsync(input, ndjson, oursFile, codec, runs, cpu).ConfigureAwait(false);
                    DuckDbReference.Comparison same = await DuckDbReference.CompareAsync(oursFile, theirsFile).ConfigureAwait(false);
                    busy |= Machine.IsBusy();

                    double ratio = Median(theirs.WallMs) / Median(ours.WallMs);
                    double cpuRatio = Median(theirs.CpuMs) / Median(ours.CpuMs);
                    double size = (double)ours.Bytes / theirs.Bytes;
                    double allocated = (double)ours.AllocatedBytes / recordBytes;

                    // On a busy machine the wall clock measures the neighbours; CPU time still measures the work.
                    double judged = busy ? cpuRatio : ratio;
                    var problems = new List<string>();
                    if (judged < SpeedTarget)
                    {
                        problems.Add($"{(busy ? "CPU ratio" : "ratio")} MISSED");
                    }

                    if (size > SizeTarget)
                    {
                        problems.Add("size MISSED");
                    }

                    if (allocated >= AllocationTarget)
                    {
                        problems.Add("allocations MISSED");
                    }

                    if (!same.Same)
                    {
                        problems.Add("read back DIFFERS");
                    }

                    misses += problems.Count;
                    string target = problems.Count == 0 ? $"met{(busy ? " (on CPU time: machine busy)" : "")}" : string.Join("; ", problems);
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"| {input.Label} | {codec} | {records:N0} | {Rate(recordBytes, theirs.WallMs)} | {Rate(recordBytes, ours.WallMs)} | {ratio:F2} | {recordBytes / 1e3 / Median(theirs.CpuMs):F0} / {recordBytes / 1e3 / Median(ours.CpuMs):F0} | {cpuRatio:F2} | {ours.Bytes:N0} / {theirs.Bytes:N0} = {size:F3} | {allocated:F3} | {string.Join('/', ours.Collections)} ({ours.GcPauseMs:F0}) | {(same.Same ? "same rows" : $"{same.OnlyA} rows only ours, {same.OnlyB} only DuckDB's")} | {load} | {target} |")).ConfigureAwait(false);
                }
            }

            await output.WriteLineAsync().ConfigureAwait(false);
            await output.WriteLineAsync($"MB/s are record megabytes (10^6 B of JSON, newlines not counted) per second. Load average at the end: {Machine.LoadAverage()} ({Environment.ProcessorCount} cores).").ConfigureAwait(false);
            await output.WriteLineAsync(misses == 0 ? "Every target met." : $"{misses} target(s) missed: see the rows marked MISSED.").ConfigureAwait(false);
            return 0;
        }
        finally
        {
            if (kept is null)
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static async Task<ConversionTimes> RunEncoderAsync(ParquetInput input, string ndjson, string output, string codec, int runs, string cpus)
    {
        var start = new ProcessStartInfo("taskset") { RedirectStandardOutput = true, UseShellExecute = false };

        // Tiering starts counting calls at once instead of after 100 ms without new methods: the same optimised code,
        // reached in seconds rather than in a minute of runs on a busy core.
        start.Environment["DOTNET_TC_CallCountingDelayMs"] = "0";
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(cpus);
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell which executable this is.");
        start.ArgumentList.Add(self);
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ParquetCommand).Assembly.Location);
        }

        // At least 60 conversions before the clock: methods called once per file (the formatter's Write among them) are
        // recompiled at tier 1 only after 30 calls and again later, and with 20 that compilation (10-35 ms of CPU on
        // the one core, beside a 16 ms conversion) landed in two or three of the seven measured runs.
        foreach (string argument in new[] { "parquet-run", "--input", input.Name, "--ndjson", ndjson, "--codec", codec, "--runs", runs.ToString(CultureInfo.InvariantCulture), "--warmups", "60", "--output", output })
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start taskset.");
        string stdout = await process.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        string? last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        if (process.ExitCode != 0 || last is null)
        {
            throw new InvalidOperationException($"parquet-run failed with exit code {process.ExitCode} for {input.Name} {codec}.");
        }

        return JsonSerializer.Deserialize<ConversionTimes>(last) ?? throw new InvalidOperationException("parquet-run printed nothing.");
    }

    private static string Rate(long bytes, IReadOnlyList<double> milliseconds) =>
        string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3 / Median(milliseconds):F0} ({bytes / 1e3 / milliseconds.Min():F0})");

    private static double Median(IReadOnlyList<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string? Option(string[] args, string name)
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
