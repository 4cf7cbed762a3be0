using BenchmarkDotNet.Attributes;
using Delivery.Benchmarks.Data;
using Delivery.Pipeline.Buffering;

namespace Delivery.Benchmarks.Micro;

/// <summary>
/// Buffer append and batch assembly: 5 MiB of pages appended to a shard buffer that cuts at 5 MiB, and the batch (with
/// its id and byte count) built from the cut. Per operation: one 5 MiB batch.
/// </summary>
[MemoryDiagnoser]
public class ShardBufferBenchmarks
{
    private RecordPage[] _pages = [];
    private readonly List<DeliveryBatch> _cuts = [];

    [Params(RecordShape.Log100, RecordShape.Click600, RecordShape.Trace4K)]
    public RecordShape Shape { get; set; }

    [GlobalSetup]
    public void Setup() => _pages = BenchmarkData.Pages(Shape, 5 * 1.048576 + 0.001);

    [Benchmark]
    public int AppendAndCut()
    {
        var buffer = new ShardBuffer("bench", "bench-stream", "shardId-000000000000", 5L * 1024 * 1024, []);
        _cuts.Clear();
        foreach (RecordPage page in _pages)
        {
            buffer.Append(page, 0, _cuts);
        }

        if (buffer.TryCutNow() is { } rest)
        {
            _cuts.Add(rest);
        }

        // The batches give back their references on the pages, which the benchmark keeps for the next operation.
        foreach (DeliveryBatch cut in _cuts)
        {
            cut.Release();
        }

        return _cuts.Count;
    }
}
