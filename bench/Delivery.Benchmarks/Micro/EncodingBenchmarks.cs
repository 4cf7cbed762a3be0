using System.IO.Compression;
using Amazon.S3;
using BenchmarkDotNet.Attributes;
using Delivery.Benchmarks.Data;
using Delivery.Benchmarks.EndToEnd;
using Delivery.Destinations.S3;
using Delivery.Formats.Compression;
using Delivery.Formats.Ndjson;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.Benchmarks.Micro;

/// <summary>
/// One 5 MiB batch to the bytes of one object: NDJSON alone, the codec alone on the same NDJSON bytes (the floor), and
/// the S3 writer's whole path (format, compress, pooled body, key and metadata) with the upload taken in memory. New
/// formats (Parquet) and codecs (Snappy, Zip) slot in as further values of <see cref="Codec"/> or further methods.
/// </summary>
[MemoryDiagnoser]
public class EncodingBenchmarks
{
    private DeliveryBatch _batch = null!;
    private byte[] _ndjson = [];
    private ICompressionCodec _codec = null!;
    private S3BatchWriter _writer = null!;
    private readonly MemoryStream _sink = new();

    [Params(RecordShape.Log100, RecordShape.Click600, RecordShape.Trace4K)]
    public RecordShape Shape { get; set; }

    [Params("none", "gzip-Fastest", "gzip-Optimal", "gzip-SmallestSize")]
    public string Codec { get; set; } = "gzip-Fastest";

    [GlobalSetup]
    public void Setup()
    {
        _batch = BenchmarkData.Batch(Shape);
        using var ndjson = new MemoryStream();
        new NewlineDelimitedFormatter().Write(_batch.Records, ndjson);
        _ndjson = ndjson.ToArray();
        (CompressionFormat format, CompressionLevel level) = Codec == "none"
            ? (CompressionFormat.Uncompressed, CompressionLevel.Fastest)
            : (CompressionFormat.Gzip, Enum.Parse<CompressionLevel>(Codec["gzip-".Length..]));
        _codec = CompressionCodecs.BuiltIn.Create(format, level);
        (IAmazonS3 client, _) = InMemoryS3.Create();
        _writer = new S3BatchWriter(new S3DestinationOptions { BucketName = "bench", CompressionFormat = format, CompressionLevel = level }, client, NullLogger<S3BatchWriter>.Instance);
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
