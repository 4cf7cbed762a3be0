using System.IO.Compression;
using Amazon.S3;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Delivery.Benchmarks.Data;
using Delivery.Benchmarks.EndToEnd;
using Delivery.Destinations.S3;
using Delivery.Formats.Compression;
using Delivery.Formats.Ndjson;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.Benchmarks.Micro;

/// <summary>
/// One 5 MiB batch to the bytes of one object: NDJSON alone, the codec alone on the same NDJSON bytes (the floor), and
/// the S3 writer's whole path (format, compress, pooled body, key and metadata) with the upload taken in memory, for
/// every codec the S3 destination offers. Parquet, which compresses inside the file, is <see cref="ParquetBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig<EncodingBenchmarks>))]
public class EncodingBenchmarks : IReadsRecordBytes
{
    private static readonly Dictionary<string, (CompressionFormat Format, CompressionLevel Level)> Codecs = new()
    {
        ["none"] = (CompressionFormat.Uncompressed, CompressionLevel.Fastest),
        ["gzip-Fastest"] = (CompressionFormat.Gzip, CompressionLevel.Fastest),
        ["gzip-Optimal"] = (CompressionFormat.Gzip, CompressionLevel.Optimal),
        ["gzip-SmallestSize"] = (CompressionFormat.Gzip, CompressionLevel.SmallestSize),
        ["zip-Fastest"] = (CompressionFormat.Zip, CompressionLevel.Fastest),
        ["snappy"] = (CompressionFormat.Snappy, CompressionLevel.Fastest),
        ["hadoop-snappy"] = (CompressionFormat.HadoopSnappy, CompressionLevel.Fastest),
    };

    private DeliveryBatch _batch = null!;
    private byte[] _ndjson = [];
    private ICompressionCodec _codec = null!;
    private S3BatchWriter _writer = null!;
    private readonly MemoryStream _sink = new();

    [Params(RecordShape.Log100, RecordShape.Click600, RecordShape.Trace4K)]
    public RecordShape Shape { get; set; }

    /// <summary>A key of <see cref="Codecs"/>: the format, and the level for those that have one.</summary>
    [Params("none", "gzip-Fastest", "gzip-Optimal", "gzip-SmallestSize", "zip-Fastest", "snappy", "hadoop-snappy")]
    public string Codec { get; set; } = "gzip-Fastest";

    public static long RecordBytesPerOperation(BenchmarkCase benchmarkCase) =>
        BenchmarkData.BatchBytes((RecordShape)benchmarkCase.Parameters[nameof(Shape)]);

    [GlobalSetup]
    public void Setup()
    {
        _batch = BenchmarkData.Batch(Shape);
        using var ndjson = new MemoryStream();
        new NewlineDelimitedFormatter().Write(_batch.Records, ndjson);
        _ndjson = ndjson.ToArray();
        (CompressionFormat format, CompressionLevel level) = Codecs[Codec];
        _codec = CompressionCodecs.BuiltIn.Create(format, level);
        (IAmazonS3 client, _) = InMemoryS3.Create();
        _writer = new S3BatchWriter(new S3DestinationOptions { BucketName = "bench", CompressionFormat = format, CompressionLevel = level }, client, NullLogger<S3BatchWriter>.Instance);

        // A codec that lost or mangled bytes would look fast for the wrong reason.
        CodecAlone();
        _sink.Position = 0;
        using var restored = new MemoryStream();
        using (Stream decompressor = _codec.CreateDecompressor(_sink))
        {
            decompressor.CopyTo(restored);
        }

        if (!restored.GetBuffer().AsSpan(0, (int)restored.Length).SequenceEqual(_ndjson))
        {
            throw new InvalidOperationException($"The {Codec} codec does not give back the bytes it compressed.");
        }
    }

    [Benchmark(Description = "NDJSON only")]
    public long Ndjson()
    {
        _sink.SetLength(0);
        new NewlineDelimitedFormatter().Write(_batch.Records, _sink);
        return _sink.Length;
    }

    [Benchmark(Baseline = true, Description = "codec alone")]
    public long CodecAlone()
    {
        _sink.SetLength(0);
        using (Stream compressor = _codec.CreateCompressor(_sink))
        {
            compressor.Write(_ndjson);
        }

        return _sink.Length;
    }

    [Benchmark(Description = "S3 writer (NDJSON + codec + put)")]
    public async Task<bool> S3Writer() => (await _writer.WriteAsync(_batch, CancellationToken.None).ConfigureAwait(false)).AllDelivered;
}
