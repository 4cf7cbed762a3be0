using System.Globalization;
using System.Text.Json;
using Delivery.Formats.Compression;
using Delivery.Kinesis.Client;

namespace Delivery.Benchmarks.EndToEnd;

/// <summary>
/// The simulated shards' pages as Kinesis sends them: GetRecords answers in JSON 1.1, base64 data, sequence numbers and
/// partition keys as strings, arrival times in epoch seconds. A run fed from these starts where the real reader starts,
/// with the bytes of an HTTP response, and pays for parsing and decoding them.
/// </summary>
public static class GetRecordsResponses
{
    /// <summary>Every page of every shard, built before the clock starts.</summary>
    public static byte[][][] Build(InMemoryShardSource source) =>
        [.. Enumerable.Range(0, source.Shards).Select(shard => Enumerable.Range(0, source.PagesPerShard).Select(page => Body(source, shard, page)).ToArray())];

    /// <summary>What the reader does with an answer: read it into a page.</summary>
    public static RecordPage Parse(byte[] body, int shard) => GetRecordsPageParser.Parse(body, InMemoryShardSource.ShardId(shard)).Page;

    public static byte[] Body(InMemoryShardSource source, int shard, int page)
    {
        long first = (long)page * source.RecordsPerPage;
        int count = (int)Math.Min(source.RecordsPerPage, source.RecordsPerShard - first);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartArray("Records");
            for (int i = 0; i < count; i++)
            {
                long index = first + i;
                json.WriteStartObject();
                json.WriteString("SequenceNumber", source.SequenceNumber(shard, index));
                json.WriteNumber("ApproximateArrivalTimestamp", InMemoryShardSource.Arrival(index).ToUnixTimeMilliseconds() / 1000m);
                json.WriteBase64String("Data", source.Data(shard, index).Span);
                json.WriteString("PartitionKey", source.PartitionKey(index));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("NextShardIterator", string.Create(CultureInfo.InvariantCulture, $"iterator-{shard}-{page + 1}"));
            json.WriteNumber("MillisBehindLatest", first + count < source.RecordsPerShard ? 5000 : 0);
            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>
    /// The floor of a run fed from answers: parse each answer into a page and gzip its records as NDJSON, in objects of
    /// the buffer's size, on as many threads as the process has processors, each taking whole shards. No buffers,
    /// batches, checkpoints or uploads.
    /// </summary>
    public static (ResourceUse Use, long Records, long Bytes) ParseAndCompress(Scenario scenario, byte[][][] bodies)
    {
        ICompressionCodec codec = CompressionCodecs.BuiltIn.Create(scenario.Compression, scenario.Level);
        long limit = scenario.BufferMiB * 1024L * 1024;
        int nextShard = -1;
        long records = 0;
        long bytes = 0;
        var meter = ResourceMeter.Start();
        Thread[] threads = [.. Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new Thread(() =>
        {
            var chunk = new MemoryStream(capacity: (int)limit + (1024 * 1024));
            var sink = new MemoryStream(capacity: (int)limit + 65536);
            (long mine, long myBytes) = (0, 0);
            int shard;
            while ((shard = Interlocked.Increment(ref nextShard)) < bodies.Length)
            {
                foreach (byte[] body in bodies[shard])
                {
                    RecordPage page = Parse(body, shard);
                    foreach (SourceRecord record in page.Records)
                    {
                        ReadOnlySpan<byte> data = record.Data.Span;
                        chunk.Write(data);
                        chunk.WriteByte((byte)'\n');
                        mine++;
                        myBytes += data.Length;
                        if (chunk.Length >= limit)
                        {
                            Compress(codec, chunk, sink);
                        }
                    }

                    page.Release();
                }

                Compress(codec, chunk, sink);
            }

            Interlocked.Add(ref records, mine);
            Interlocked.Add(ref bytes, myBytes);
        }))];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        return (meter.Stop(), records, bytes);
    }

    private static void Compress(ICompressionCodec codec, MemoryStream chunk, MemoryStream sink)
    {
        sink.SetLength(0);
        using (Stream compressor = codec.CreateCompressor(sink))
        {
            compressor.Write(chunk.GetBuffer(), 0, (int)chunk.Length);
        }

        chunk.SetLength(0);
    }
}
