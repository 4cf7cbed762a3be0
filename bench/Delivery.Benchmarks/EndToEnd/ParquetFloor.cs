using Delivery.Benchmarks.Data;
using Delivery.Benchmarks.ParquetReference;
using Delivery.Destinations.S3;
using Delivery.Formats;
using Delivery.Formats.Parquet;

namespace Delivery.Benchmarks.EndToEnd;

/// <summary>
/// The floor of a Parquet pipeline: our encoder alone converting the same records, cut into files where the shards'
/// buffers would cut them, into reused memory, on as many threads as the process has processors. No pages, batches,
/// buffers or uploads. The schema is the one the shape's DuckDB comparison uses (<see cref="ParquetInputs"/>).
/// </summary>
public static class ParquetFloor
{
    /// <summary>The pipeline's conversion settings for <paramref name="shape"/>, the same the floor's encoder gets.</summary>
    public static DataFormatConversionOptions Conversion(RecordShape shape, ParquetCompression pages)
    {
        ParquetInput input = ParquetInputs.For(shape) ?? throw new ArgumentException($"No Parquet schema for {shape.Label()} records.", nameof(shape));
        return new DataFormatConversionOptions
        {
            Columns = [.. input.Columns.Select(column => new ColumnOptions { Name = column.Name, Type = column.Type, Nullable = column.Nullable, TimestampUnit = column.TimestampUnit })],
            OpenXJson = new OpenXJsonOptions { CaseInsensitive = input.Json.CaseInsensitive, ConvertDotsInJsonKeysToUnderscores = input.Json.ConvertDotsInJsonKeysToUnderscores },
            TimestampFormats = [.. input.Json.TimestampFormats],
            Compression = pages,
        };
    }

    public static (ResourceUse Use, long Records, long Bytes) Measure(Scenario scenario, InMemoryShardSource source, long maxBytes, bool measured = false)
    {
        ParquetFormatter formatter = Conversion(scenario.Shape, scenario.Parquet ?? ParquetCompression.Snappy).CreateFormatter();
        List<SourceRecord[]> files = BuildFiles(scenario, source, maxBytes);
        int next = -1;
        using ProfilerWindow? window = measured ? ProfilerWindow.Open("floor") : null;
        var meter = ResourceMeter.Start();
        Thread[] threads = [.. Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new Thread(() =>
        {
            using var sink = new MemoryStream(capacity: scenario.BufferMiB * 1024 * 1024);
            int index;
            while ((index = Interlocked.Increment(ref next)) < files.Count)
            {
                sink.SetLength(0);
                FormatResult result = formatter.Write(files[index], sink);
                if (result.RecordsWritten != files[index].Length)
                {
                    throw new InvalidOperationException($"The floor's encoder refused a record: {result.Failures[0].ErrorMessage}");
                }
            }
        }))];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        ResourceUse use = meter.Stop();
        window?.Dispose();
        return (use, files.Sum(file => (long)file.Length), files.Sum(file => file.Sum(record => (long)record.Data.Length)));
    }

    /// <summary>Each shard's records in order, one file per buffer's worth.</summary>
    private static List<SourceRecord[]> BuildFiles(Scenario scenario, InMemoryShardSource source, long maxBytes)
    {
        long limit = scenario.BufferMiB * 1024L * 1024;
        var files = new List<SourceRecord[]>();
        var file = new List<SourceRecord>();
        long total = 0;
        for (int shard = 0; total < maxBytes && shard < source.Shards; shard++)
        {
            long data = 0;
            for (long index = 0; index < source.RecordsPerShard && total < maxBytes; index++)
            {
                ReadOnlyMemory<byte> record = source.Data(shard, index);
                file.Add(new SourceRecord(new ShardPosition(source.SequenceNumber(shard, index)), "pk", DateTimeOffset.UnixEpoch, record));
                data += record.Length;
                total += record.Length;
                if (data >= limit)
                {
                    files.Add([.. file]);
                    file.Clear();
                    data = 0;
                }
            }

            if (file.Count > 0)
            {
                files.Add([.. file]);
                file.Clear();
            }
        }

        return files;
    }
}
