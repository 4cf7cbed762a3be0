using Delivery.Benchmarks.Data;
using Delivery.Benchmarks.EndToEnd;

namespace Delivery.Benchmarks.Micro;

/// <summary>Pages and batches of the generated data sets, shared by the micro-benchmarks.</summary>
internal static class BenchmarkData
{
    /// <summary>One shard's records, as GetRecords pages, adding up to about <paramref name="megabytes"/> MB.</summary>
    public static RecordPage[] Pages(RecordShape shape, double megabytes)
    {
        RecordPool pool = RecordPool.Generate(shape);
        long records = Math.Max(1, (long)(megabytes * 1e6 / pool.AverageBytes));
        var source = new InMemoryShardSource(pool, 1, records);
        return [.. Enumerable.Range(0, source.PagesPerShard).Select(p => source.CreatePage(0, p))];
    }

    /// <summary>A batch as a 5 MiB buffer cut gives it to a destination.</summary>
    public static DeliveryBatch Batch(RecordShape shape, int mebibytes = 5)
    {
        SourceRecord[] records = [.. Pages(shape, mebibytes * 1.048576).SelectMany(p => p.Records)];
        return new DeliveryBatch("bench", new BatchSource("bench-stream", InMemoryShardSource.ShardId(0), records[0].Position, records[^1].Position), records);
    }
}
