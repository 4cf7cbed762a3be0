using Delivery.Formats.Compression;

namespace Delivery.Benchmarks.EndToEnd;

/// <summary>
/// The physical floor of the work on this machine: the codec alone compressing the same NDJSON bytes, cut into objects
/// of the same size, at the same level, on as many threads as the process has processors. Nothing else runs: no
/// records, pages, batches, buffers or uploads. The pipeline is judged by how much of this speed it keeps.
/// </summary>
public static class CodecFloor
{
    public static (ResourceUse Use, long Records, long Bytes) Measure(Scenario scenario, InMemoryShardSource source, long maxBytes, bool measured = false)
    {
        List<Chunk> chunks = BuildChunks(scenario, source, maxBytes);
        byte[][] objects = [.. chunks.Select(c => c.Bytes)];
        ResourceUse use;
        using (measured ? ProfilerWindow.Open("floor") : null)
        {
            use = Compress(scenario, objects);
        }

        return (use, chunks.Sum(c => (long)c.Records), chunks.Sum(c => c.DataBytes));
    }

    /// <summary>The codec alone on <paramref name="objects"/>, one compressed stream each, on as many threads as processors.</summary>
    public static ResourceUse Compress(Scenario scenario, IReadOnlyList<byte[]> objects)
    {
        ICompressionCodec codec = CompressionCodecs.BuiltIn.Create(scenario.Compression, scenario.Level);
        int next = -1;
        var meter = ResourceMeter.Start();
        Thread[] threads = [.. Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new Thread(() =>
        {
            using var sink = new MemoryStream(capacity: scenario.BufferMiB * 1024 * 1024 + 65536);
            int index;
            while ((index = Interlocked.Increment(ref next)) < objects.Count)
            {
                sink.SetLength(0);
                using Stream compressor = codec.CreateCompressor(sink);
                compressor.Write(objects[index]);
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

        return meter.Stop();
    }

    /// <summary>Each shard's records in order, one NDJSON chunk per object, cut where the shard's buffer would be.</summary>
    private static List<Chunk> BuildChunks(Scenario scenario, InMemoryShardSource source, long maxBytes)
    {
        long limit = scenario.BufferMiB * 1024L * 1024;
        var chunks = new List<Chunk>();
        long total = 0;
        for (int shard = 0; total < maxBytes && shard < source.Shards; shard++)
        {
            using var chunk = new MemoryStream();
            long data = 0;
            int records = 0;
            for (long index = 0; index < source.RecordsPerShard && total < maxBytes; index++)
            {
                ReadOnlySpan<byte> record = source.Data(shard, index).Span;
                chunk.Write(record);
                chunk.WriteByte((byte)'\n');
                data += record.Length;
                records++;
                if (data >= limit)
                {
                    chunks.Add(new Chunk(chunk.ToArray(), records, data));
                    total += data;
                    chunk.SetLength(0);
                    data = 0;
                    records = 0;
                }
            }

            if (records > 0)
            {
                chunks.Add(new Chunk(chunk.ToArray(), records, data));
                total += data;
            }
        }

        return chunks;
    }

    private sealed record Chunk(byte[] Bytes, int Records, long DataBytes);
}
