using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Delivery.Benchmarks.Reporting;
using Delivery.Formats;
using Delivery.Formats.Parquet;
using Delivery.Formats.Parquet.Schema;
using Delivery.Testing;
using Parquet;
using Parquet.Schema;

namespace Delivery.Benchmarks.ParquetNet;

/// <summary>
/// <c>parquet-net</c>: the same clickstream records written by Delivery's Parquet encoder and by Parquet.Net, side by
/// side: speed, allocations, file size, and what the files carry (dictionary pages, min/max statistics), the files
/// read back by ParquetSharp (Arrow C++) so neither writer grades itself. Parquet.Net starts from column arrays, so it
/// is timed twice: from the JSON (parsing included, what a pipeline would run) and from columns already parsed.
/// Options: <c>--records N</c> (default 100000), <c>--rounds N</c> (default 5), <c>--codec snappy|gzip|none</c>.
/// </summary>
public static class ParquetNetCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        int count = int.Parse(Option(args, "--records") ?? "100000", CultureInfo.InvariantCulture);
        int rounds = int.Parse(Option(args, "--rounds") ?? "5", CultureInfo.InvariantCulture);
        (ParquetCompression ours, CompressionMethod theirs) = (Option(args, "--codec") ?? "snappy") switch
        {
            "snappy" => (ParquetCompression.Snappy, CompressionMethod.Snappy),
            "gzip" => (ParquetCompression.Gzip, CompressionMethod.Gzip),
            "none" => (ParquetCompression.Uncompressed, CompressionMethod.None),
            string other => throw new ArgumentException($"--codec '{other}': use snappy, gzip or none."),
        };

        await output.WriteLineAsync($"Machine: {Machine.Describe()}").ConfigureAwait(false);
        await output.WriteLineAsync($"Command: Delivery.Benchmarks parquet-net {string.Join(' ', args)}").ConfigureAwait(false);
        List<SourceRecord> records = ClickstreamRecords.Create(count);
        long jsonBytes = records.Sum(r => (long)r.Data.Length);
        var formatter = new ParquetFormatter(
            [.. ClickstreamRecords.Columns.Select(c => new ParquetColumn(c.Name, c.GlueType, TimestampUnit: TimestampUnit.Microseconds))],
            settings: new ParquetWriterSettings { Compression = ours });
        var options = new ParquetOptions { CompressionMethod = theirs };
        var dictionaryOptions = new ParquetOptions { CompressionMethod = theirs };
        foreach (DataField field in ClickstreamColumns.Schema.GetDataFields().Where(f => f.ClrType == typeof(string)))
        {
            dictionaryOptions.ColumnEncodingHints[field.Name] = EncodingHint.Dictionary;
        }

        await CheckSameRowsAsync(formatter, options).ConfigureAwait(false);
        ClickstreamColumns parsed = ClickstreamColumns.Parse(records);

        var writers = new (string Name, Func<Stream, Task> Write)[]
        {
            ("Delivery encoder, JSON in", stream => WriteOurs(formatter, records, stream)),
            ("Parquet.Net 6.1.0, JSON in (parse + write)", stream => WriteTheirsAsync(ClickstreamColumns.Parse(records), stream, options)),
            ("Parquet.Net 6.1.0, JSON in, dictionary hint on strings", stream => WriteTheirsAsync(ClickstreamColumns.Parse(records), stream, dictionaryOptions)),
            ("Parquet.Net 6.1.0, columns in (write only)", stream => WriteTheirsAsync(parsed, stream, options)),
        };

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{Environment.NewLine}{count:N0} clickstream records ({jsonBytes / 1e6:F1} MB of JSON, 15 flat columns), codec {theirs}, one thread, best of {rounds} rounds after a warm-up round{Environment.NewLine}")).ConfigureAwait(false);
        await output.WriteLineAsync("| writer | MB/s (JSON) | records/s | CPU ms | allocated | B/record | file | dictionary | min/max |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---|---|---|---|---|---|---|---|").ConfigureAwait(false);
        // Rounds interleave the writers, so a neighbour's burst on a shared machine falls on all of them alike.
        var runs = writers.Select(w => new Run(w.Name)).ToArray();
        for (int round = 0; round <= rounds; round++)
        {
            for (int w = 0; w < writers.Length; w++)
            {
                await runs[w].MeasureAsync(writers[w].Write, jsonBytes, warmUp: round == 0).ConfigureAwait(false);
            }
        }

        List<Figures> figures = [.. runs.Select(run => run.Best())];
        foreach (Figures measured in figures)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"| {measured.Name} | {jsonBytes / 1e6 / measured.Seconds:F1} | {count / measured.Seconds:N0} | {measured.CpuSeconds * 1000:F0} | {measured.Allocated / 1e6:F1} MB | {measured.Allocated / count:N0} | {measured.File.Length / 1e6:F2} MB | {measured.Facts.Dictionary} | {measured.Facts.MinMax} |")).ConfigureAwait(false);
        }

        await output.WriteLineAsync().ConfigureAwait(false);
        foreach (Figures figure in figures.Take(3))
        {
            await output.WriteLineAsync($"{figure.Name}: no dictionary in [{string.Join(", ", figure.Facts.WithoutDictionary)}]; no min/max in [{string.Join(", ", figure.Facts.WithoutMinMax)}]").ConfigureAwait(false);
        }

        // Each dimension on its own line, so that a Parquet.Net that wins any of them says so here.
        Figures delivery = figures[0];
        await output.WriteLineAsync().ConfigureAwait(false);
        foreach (Figures other in figures.Skip(1).Where(f => f.Name.Contains("JSON in", StringComparison.Ordinal)))
        {
            await output.WriteLineAsync($"Against {other.Name}:").ConfigureAwait(false);
            await output.WriteLineAsync(Compare("CPU time", delivery.CpuSeconds, other.CpuSeconds, "faster")).ConfigureAwait(false);
            await output.WriteLineAsync(Compare("wall time", delivery.Seconds, other.Seconds, "faster")).ConfigureAwait(false);
            await output.WriteLineAsync(Compare("allocations", delivery.Allocated, other.Allocated, "fewer bytes")).ConfigureAwait(false);
            await output.WriteLineAsync(Compare("file size", delivery.File.Length, other.File.Length, "smaller")).ConfigureAwait(false);
        }

        await output.WriteLineAsync($"Load average after: {Machine.LoadAverage()}").ConfigureAwait(false);
        return 0;
    }

    /// <summary>One writer's rounds: the best wall time, CPU time and allocations of the rounds after the warm-up.</summary>
    private sealed class Run(string name)
    {
        private double _seconds = double.MaxValue;
        private double _cpuSeconds = double.MaxValue;
        private long _allocated = long.MaxValue;
        private byte[] _file = [];

        public async Task MeasureAsync(Func<Stream, Task> write, long jsonBytes, bool warmUp)
        {
            // Room for the whole file up front, so the output stream's growth is not counted as the writer's allocations.
            using var stream = new MemoryStream(capacity: (int)Math.Min(jsonBytes, int.MaxValue / 2));
            using var process = Process.GetCurrentProcess();
            GC.Collect();
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            TimeSpan cpuBefore = process.TotalProcessorTime;
            long started = TimeProvider.System.GetTimestamp();
            await write(stream).ConfigureAwait(false);
            double seconds = TimeProvider.System.GetElapsedTime(started).TotalSeconds;
            process.Refresh();
            double cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            _file = stream.ToArray();
            if (!warmUp)
            {
                _seconds = Math.Min(_seconds, seconds);
                _cpuSeconds = Math.Min(_cpuSeconds, cpu);
                _allocated = Math.Min(_allocated, allocated);
            }
        }

        public Figures Best() => new(name, _seconds, _cpuSeconds, _allocated, _file, FileFacts.Of(_file));
    }

    /// <summary>Both writers must write the same rows, or the figures compare different work: ParquetSharp reads both.</summary>
    private static async Task CheckSameRowsAsync(ParquetFormatter formatter, ParquetOptions options)
    {
        List<SourceRecord> sample = ClickstreamRecords.Create(3000, seed: 7);
        using var ours = new MemoryStream();
        await WriteOurs(formatter, sample, ours).ConfigureAwait(false);
        using var theirs = new MemoryStream();
        await WriteTheirsAsync(ClickstreamColumns.Parse(sample), theirs, options).ConfigureAwait(false);
        JsonArray a = ParquetSharpReader.ReadRows(ours.ToArray());
        JsonArray b = ParquetSharpReader.ReadRows(theirs.ToArray());
        for (int row = 0; row < Math.Max(a.Count, b.Count); row++)
        {
            if (row >= a.Count || row >= b.Count || !JsonNode.DeepEquals(a[row], b[row]))
            {
                throw new InvalidOperationException($"The two files differ at row {row}: Delivery {a.ElementAtOrDefault(row)?.ToJsonString()} Parquet.Net {b.ElementAtOrDefault(row)?.ToJsonString()}");
            }
        }
    }

    private static Task WriteOurs(ParquetFormatter formatter, List<SourceRecord> records, Stream output)
    {
        FormatResult result = formatter.Write(records, output);
        return result.Failures.Count == 0 ? Task.CompletedTask : throw new InvalidOperationException(result.Failures[0].ErrorMessage);
    }

    private static async Task WriteTheirsAsync(ClickstreamColumns columns, Stream output, ParquetOptions options)
    {
        DataField[] fields = ClickstreamColumns.Schema.GetDataFields();
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(ClickstreamColumns.Schema, output, options).ConfigureAwait(false);
        using ParquetRowGroupWriter group = writer.CreateRowGroup();
        await group.WriteAsync(fields[0], columns.EventId!).ConfigureAwait(false);
        await group.WriteAsync<long>(fields[1], columns.UserId).ConfigureAwait(false);
        await group.WriteAsync(fields[2], columns.SessionId!).ConfigureAwait(false);
        await group.WriteAsync(fields[3], columns.EventType!).ConfigureAwait(false);
        await group.WriteAsync(fields[4], columns.Url!).ConfigureAwait(false);
        await group.WriteAsync(fields[5], columns.Referrer!).ConfigureAwait(false);
        await group.WriteAsync(fields[6], columns.UserAgent!).ConfigureAwait(false);
        await group.WriteAsync(fields[7], columns.Country!).ConfigureAwait(false);
        await group.WriteAsync<DateTime>(fields[8], columns.Ts).ConfigureAwait(false);
        await group.WriteAsync<int>(fields[9], columns.DurationMs).ConfigureAwait(false);
        await group.WriteAsync<decimal>(fields[10], columns.Price).ConfigureAwait(false);
        await group.WriteAsync<int>(fields[11], columns.Quantity).ConfigureAwait(false);
        await group.WriteAsync<bool>(fields[12], columns.IsMobile).ConfigureAwait(false);
        await group.WriteAsync<double>(fields[13], columns.Lat).ConfigureAwait(false);
        await group.WriteAsync<double>(fields[14], columns.Lon).ConfigureAwait(false);
    }

    /// <summary>Lower is better: who wins, and by how much.</summary>
    private static string Compare(string what, double ours, double theirs, string better) => ours <= theirs
        ? string.Create(CultureInfo.InvariantCulture, $"  {what}: Delivery wins, {theirs / ours:F2}x {better}")
        : string.Create(CultureInfo.InvariantCulture, $"  {what}: PARQUET.NET WINS, {ours / theirs:F2}x {better}");

    private static string? Option(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    private sealed record Figures(string Name, double Seconds, double CpuSeconds, long Allocated, byte[] File, FileFacts Facts);

    /// <summary>What a file carries for readers, from its footer as Arrow C++ reads it.</summary>
    private sealed record FileFacts(string Dictionary, string MinMax, List<string> WithoutDictionary, List<string> WithoutMinMax)
    {
        public static FileFacts Of(byte[] file)
        {
            JsonArray columns = ParquetSharpReader.ReadFooter(file)["rowGroups"]![0]!["columns"]!.AsArray();
            List<string> withoutDictionary = [.. columns.Where(c => !c!["encodings"]!.AsArray().Any(e => e!.GetValue<string>().EndsWith("DICTIONARY", StringComparison.Ordinal))).Select(c => c!["path"]!.GetValue<string>())];
            List<string> withoutMinMax = [.. columns.Where(c => c!["min"] is null).Select(c => c!["path"]!.GetValue<string>())];
            return new FileFacts($"{columns.Count - withoutDictionary.Count}/{columns.Count}", $"{columns.Count - withoutMinMax.Count}/{columns.Count}", withoutDictionary, withoutMinMax);
        }
    }
}
