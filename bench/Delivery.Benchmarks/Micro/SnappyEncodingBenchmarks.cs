using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Delivery.Benchmarks.Data;
using Delivery.Formats.Compression;
using Delivery.Formats.Ndjson;

namespace Delivery.Benchmarks.Micro;

/// <summary>
/// The two Snappy libraries that restore here on the same 5 MiB NDJSON batch, cut into the 64 KiB blocks of the Snappy
/// framing format: IronSnappy (what Delivery used) and Snappier (a port of Google's C++ Snappy, what it uses now for the
/// Snappy and Hadoop-Snappy codecs and Parquet's Snappy pages). Each library's blocks must decode with the other, so
/// the choice cannot change the bytes readers get. Per operation: the whole batch.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig<SnappyEncodingBenchmarks>))]
public class SnappyEncodingBenchmarks : IReadsRecordBytes
{
    private byte[] _ndjson = [];
    private readonly byte[] _compressed = new byte[Snappier.Snappy.GetMaxCompressedLength(SnappyFramedCodec.MaxChunkInput)];

    [Params(RecordShape.Log100, RecordShape.Click600, RecordShape.Trace4K)]
    public RecordShape Shape { get; set; }

    public static long RecordBytesPerOperation(BenchmarkCase benchmarkCase) =>
        BenchmarkData.BatchBytes((RecordShape)benchmarkCase.Parameters[nameof(Shape)]);

    [GlobalSetup]
    public void Setup()
    {
        using var ndjson = new MemoryStream();
        new NewlineDelimitedFormatter().Write(BenchmarkData.Batch(Shape).Records, ndjson);
        _ndjson = ndjson.ToArray();
        for (int at = 0; at < _ndjson.Length; at += SnappyFramedCodec.MaxChunkInput)
        {
            ReadOnlySpan<byte> block = Block(at);
            byte[] iron = IronSnappy.Snappy.Encode(block);
            int length = Snappier.Snappy.Compress(block, _compressed);
            if (!Snappier.Snappy.DecompressToArray(iron).AsSpan().SequenceEqual(block) || !IronSnappy.Snappy.Decode(_compressed.AsSpan(0, length)).AsSpan().SequenceEqual(block))
            {
                throw new InvalidOperationException($"A block at {at} does not decode the same with both libraries.");
            }
        }
    }

    [Benchmark(Baseline = true, Description = "IronSnappy 1.3.0")]
    public long IronSnappyBlocks()
    {
        long total = 0;
        for (int at = 0; at < _ndjson.Length; at += SnappyFramedCodec.MaxChunkInput)
        {
            total += IronSnappy.Snappy.Encode(Block(at)).Length;
        }

        return total;
    }

    [Benchmark(Description = "Snappier 1.3.2")]
    public long SnappierBlocks()
    {
        long total = 0;
        for (int at = 0; at < _ndjson.Length; at += SnappyFramedCodec.MaxChunkInput)
        {
            total += Snappier.Snappy.Compress(Block(at), _compressed);
        }

        return total;
    }

    private ReadOnlySpan<byte> Block(int at) => _ndjson.AsSpan(at, Math.Min(SnappyFramedCodec.MaxChunkInput, _ndjson.Length - at));
}
