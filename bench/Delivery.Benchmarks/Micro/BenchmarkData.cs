using System.Collections.Concurrent;
using Delivery.Benchmarks.Data;
using Delivery.Benchmarks.EndToEnd;

namespace Delivery.Benchmarks.Micro;

/// <summary>Pages and batches of the generated data sets, shared by the micro-benchmarks.</summary>
internal static class BenchmarkData
{
    private static readonly ConcurrentDictionary<RecordShape, long> BatchRecordBytes = new();

    /// <summary>One shard's records, as GetRecords pages, adding up to about <paramref name="megabytes"/> MB.</summary>
    public static RecordPage[] Pages(RecordShape shape, double megabytes)
    {
        RecordPool pool = RecordPool.Generate(shape);
        return Pages(pool, Math.Max(1, (long)(megabytes * 1e6 / pool.AverageBytes)));
    }

    /// <summary>The first <paramref name="count"/> records of one shard.</summary>
    public static SourceRecord[] Records(RecordShape shape, int count) =>
        [.. Pages(RecordPool.Generate(shape), count).SelectMany(p => p.Records)];

    /// <summary>A batch as a 5 MiB buffer cut gives it to a destination.</summary>
    public static DeliveryBatch Batch(RecordShape shape, int mebibytes = 5)
    {
        SourceRecord[] records = [.. Pages(shape, mebibytes * 1.048576).SelectMany(p => p.Records)];
        return new DeliveryBatch("bench", new BatchSource("bench-stream", InMemoryShardSource.ShardId(0), records[0].Position, records[^1].Position), records);
    }

    /// <summary>The record bytes of the 5 MiB <see cref="Batch"/> of <paramref name="shape"/>.</summary>
    public static long BatchBytes(RecordShape shape) =>
        BatchRecordBytes.GetOrAdd(shape, s => Batch(s).Records.Sum(record => (long)record.Data.Length));

    private static RecordPage[] Pages(RecordPool pool, long records)
    {
        var source = new InMemoryShardSource(pool, 1, records);
        return [.. Enumerable.Range(0, source.PagesPerShard).Select(p => source.CreatePage(0, p))];
    }
}
