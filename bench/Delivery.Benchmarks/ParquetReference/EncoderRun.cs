using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Delivery.Formats;
using Delivery.Formats.Parquet;

namespace Delivery.Benchmarks.ParquetReference;

/// <summary>What one side measured: per run, wall and CPU milliseconds; the file's size; our side's allocations and collections.</summary>
public sealed record ConversionTimes(IReadOnlyList<double> WallMs, IReadOnlyList<double> CpuMs, long Bytes)
{
    /// <summary>Bytes allocated per run, median (our side only).</summary>
    public long AllocatedBytes { get; init; }

    /// <summary>Garbage collections during all measured runs (gen0, gen1, gen2), our side only.</summary>
    public IReadOnlyList<int> Collections { get; init; } = [];

    /// <summary>Milliseconds the GC paused the process during all measured runs, our side only.</summary>
    public double GcPauseMs { get; init; }
}

/// <summary>
/// <c>parquet-run</c>: our encoder converting one NDJSON file, in a process of its own that the <c>parquet</c> command
/// pins to a core, as DuckDB is. The records are in memory before the clock starts, as a batch gives them to the S3
/// writer; the file is written into a reused memory stream, as the writer's pooled body is. Prints one JSON line.
/// </summary>
public static class EncoderRun
{
    public static int Run(IReadOnlyList<string> args)
    {
        string Option(string name) => args[args.ToList().IndexOf(name) + 1];
        ParquetInput input = ParquetInputs.Parse(Option("--input"));
        SourceRecord[] records = ParquetInputs.ReadRecords(Option("--ndjson"));
        var compression = Enum.Parse<ParquetCompression>(Option("--codec"), ignoreCase: true);
        int runs = int.Parse(Option("--runs"), CultureInfo.InvariantCulture);
        int warmUps = int.Parse(Option("--warmups"), CultureInfo.InvariantCulture);
        var formatter = new ParquetFormatter(input.Columns, input.Json, new ParquetWriterSettings { Compression = compression });
        var sink = new MemoryStream(capacity: records.Sum(r => r.Data.Length));

        WarmUp(() => Convert(formatter, records, sink), warmUps);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        int[] collectionsBefore = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        TimeSpan pausedBefore = GC.GetTotalPauseDuration();
        var wall = new List<double>();
        var cpu = new List<double>();
        var allocated = new List<long>();
        using var process = Process.GetCurrentProcess();
        for (int i = 0; i < runs; i++)
        {
            process.Refresh();
            TimeSpan cpuBefore = process.TotalProcessorTime;
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            long started = Stopwatch.GetTimestamp();
            Convert(formatter, records, sink);
            wall.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            allocated.Add(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpuBefore).TotalMilliseconds);
        }

        int[] collections = [GC.CollectionCount(0) - collectionsBefore[0], GC.CollectionCount(1) - collectionsBefore[1], GC.CollectionCount(2) - collectionsBefore[2]];
        File.WriteAllBytes(Option("--output"), sink.ToArray());
        allocated.Sort();
        Console.WriteLine(JsonSerializer.Serialize(new ConversionTimes(wall, cpu, sink.Length) { AllocatedBytes = allocated[allocated.Count / 2], Collections = collections, GcPauseMs = (GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds }));
        return 0;
    }

    /// <summary>
    /// Runs <paramref name="action"/> until its CPU time has settled: at least <paramref name="minimum"/> times, then until
    /// the last five runs are within 10 % of each other (at most 300 runs). The JIT needs that many: a method is
    /// optimised only after 30 calls, with profile-guided code in between, and the formatter's own loop is called once
    /// per file. Until then a run can take three times as long as once the worker has settled.
    /// </summary>
    private static void WarmUp(Action action, int minimum)
    {
        using var process = Process.GetCurrentProcess();
        var recent = new Queue<double>();
        for (int i = 0; i < 300; i++)
        {
            process.Refresh();
            TimeSpan before = process.TotalProcessorTime;
            action();
            process.Refresh();
            recent.Enqueue((process.TotalProcessorTime - before).TotalMilliseconds);
            if (recent.Count > 5)
            {
                recent.Dequeue();
            }

            if (i >= minimum && recent.Count == 5 && recent.Max() <= recent.Min() * 1.1)
            {
                break;
            }
        }

        // Time for the background compiler, which shares the one core, to install what it has queued.
        Thread.Sleep(300);
    }

    private static void Convert(ParquetFormatter formatter, SourceRecord[] records, MemoryStream sink)
    {
        sink.SetLength(0);
        FormatResult result = formatter.Write(records, sink);

        // A record the schema refused would make the encoder look faster than it is.
        if (result.RecordsWritten != records.Length)
        {
            throw new InvalidOperationException($"{result.RecordsWritten} of {records.Length} records converted; first failure: {result.Failures[0].ErrorMessage}");
        }
    }
}
