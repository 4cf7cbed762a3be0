using System.Globalization;
using System.IO.Compression;
using Delivery;
using Delivery.Formats;
using Delivery.Formats.Compression;
using Delivery.Formats.Ndjson;
using Delivery.Formats.Parquet;
using Delivery.Formats.Parquet.Schema;
using Delivery.Testing;

// Encoder throughput (MB/s of JSON input and records/s) of Parquet beside GZIP NDJSON on the same records, and the size
// of our Parquet file beside the one DuckDB writes for the same rows with the same codec.
//   dotnet run -c Release --project bench/Delivery.Formats.Bench [-- RECORDS [ROUNDS]]
int count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200_000;
int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
List<SourceRecord> records = ClickstreamRecords.Create(count);
long inputBytes = records.Sum(r => (long)r.Data.Length);
Console.WriteLine($"{count:N0} clickstream records, {inputBytes / 1e6:F1} MB of JSON ({inputBytes / count} B each), best of {rounds} rounds, {Environment.ProcessorCount} cores");
Console.WriteLine();

ParquetColumn[] columns = [.. ClickstreamRecords.Columns.Select(c => new ParquetColumn(c.Name, c.GlueType, TimestampUnit: TimestampUnit.Microseconds))];
var candidates = new (string Name, Func<Stream, long> Write)[]
{
    ("NDJSON + GZIP (Fastest)", output => Ndjson(records, output, new GzipCodec(CompressionLevel.Fastest))),
    ("NDJSON + GZIP (Optimal)", output => Ndjson(records, output, new GzipCodec(CompressionLevel.Optimal))),
    ("Parquet SNAPPY", output => Parquet(records, output, columns, ParquetCompression.Snappy)),
    ("Parquet GZIP", output => Parquet(records, output, columns, ParquetCompression.Gzip)),
    ("Parquet UNCOMPRESSED", output => Parquet(records, output, columns, ParquetCompression.Uncompressed)),
};

// Wall time shows what a pipeline gets; CPU time (this process's) is steadier on a machine shared with other work.
Console.WriteLine($"{"encoder",-26} {"MB/s (JSON in)",15} {"records/s",12} {"MB/CPU-s",10} {"output MB",10}");
var sizes = new Dictionary<string, long>();
foreach ((string name, Func<Stream, long> write) in candidates)
{
    double best = double.MaxValue;
    double bestCpu = double.MaxValue;
    long size = 0;
    for (int round = 0; round <= rounds; round++)
    {
        using var output = new MemoryStream(capacity: (int)Math.Min(inputBytes, int.MaxValue / 2));
        long started = TimeProvider.System.GetTimestamp();
        TimeSpan cpuStarted = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        size = write(output);
        double seconds = TimeProvider.System.GetElapsedTime(started).TotalSeconds;
        double cpuSeconds = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpuStarted).TotalSeconds;
        if (round > 0)
        {
            // Round 0 warms the JIT up.
            best = Math.Min(best, seconds);
            bestCpu = Math.Min(bestCpu, cpuSeconds);
        }
    }

    sizes[name] = size;
    Console.WriteLine($"{name,-26} {inputBytes / 1e6 / best,15:F1} {count / best,12:N0} {inputBytes / 1e6 / bestCpu,10:F1} {size / 1e6,10:F2}");
}

Console.WriteLine();
Console.WriteLine("Size against DuckDB's own Parquet writer (same rows, same codec):");
byte[] ndjson = NdjsonBytes(records);
var duckTypes = ClickstreamRecords.Columns.ToDictionary(c => c.Name, c => c.DuckDbType);
foreach ((string codec, string ours) in new[] { ("snappy", "Parquet SNAPPY"), ("gzip", "Parquet GZIP"), ("uncompressed", "Parquet UNCOMPRESSED") })
{
    byte[] duck = await IndependentReaders.WriteParquetWithDuckDbAsync(ndjson, codec, duckTypes);
    Console.WriteLine($"  {codec,-13} Delivery {sizes[ours],12:N0} B   DuckDB {duck.Length,12:N0} B   ratio {(double)sizes[ours] / duck.Length:F3}");
}

static long Ndjson(List<SourceRecord> records, Stream output, ICompressionCodec codec)
{
    using (Stream compressor = codec.CreateCompressor(output))
    {
        new NewlineDelimitedFormatter().Write(records, compressor);
    }

    return output.Length;
}

static long Parquet(List<SourceRecord> records, Stream output, ParquetColumn[] columns, ParquetCompression compression)
{
    FormatResult result = new ParquetFormatter(columns, settings: new ParquetWriterSettings { Compression = compression }).Write(records, output);
    if (result.Failures.Count > 0)
    {
        throw new InvalidOperationException(result.Failures[0].ErrorMessage);
    }

    return output.Length;
}

static byte[] NdjsonBytes(List<SourceRecord> records)
{
    using var output = new MemoryStream();
    new NewlineDelimitedFormatter().Write(records, output);
    return output.ToArray();
}
