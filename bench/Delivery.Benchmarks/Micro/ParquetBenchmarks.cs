using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Delivery.Benchmarks.Data;
using Delivery.Formats;
using Delivery.Formats.Parquet;
using Delivery.Formats.Parquet.Json;
using Delivery.Formats.Parquet.Schema;
using Delivery.Benchmarks.ParquetReference;

namespace Delivery.Benchmarks.Micro;

/// <summary>
/// One 5 MiB batch of JSON records converted to one Parquet file by our encoder (what <c>S3:DataFormatConversion</c>
/// runs), with each page codec, on a schema that names every field of the records, nested ones included. Compare the
/// MB/s with <see cref="EncodingBenchmarks"/>' NDJSON and gzip on the same batch. Per operation: one file.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig<ParquetBenchmarks>))]
public class ParquetBenchmarks : IReadsRecordBytes
{
    private DeliveryBatch _batch = null!;
    private ParquetFormatter _formatter = null!;
    private readonly MemoryStream _sink = new();

    [Params(RecordShape.Log100, RecordShape.Click600, RecordShape.Trace4K)]
    public RecordShape Shape { get; set; }

    [Params(ParquetCompression.Uncompressed, ParquetCompression.Snappy, ParquetCompression.Gzip)]
    public ParquetCompression Compression { get; set; }

    public static long RecordBytesPerOperation(BenchmarkCase benchmarkCase) =>
        BenchmarkData.BatchBytes((RecordShape)benchmarkCase.Parameters[nameof(Shape)]);

    [GlobalSetup]
    public void Setup()
    {
        _batch = BenchmarkData.Batch(Shape);
        (IReadOnlyList<ParquetColumn> columns, JsonConversionOptions json) = Schema(Shape);
        _formatter = new ParquetFormatter(columns, json, new ParquetWriterSettings { Compression = Compression });

        // A schema that rejected records would time the failure path, not the encoder.
        FormatResult result = _formatter.Write(_batch.Records, _sink);
        if (result.Failures.Count > 0 || result.RecordsWritten != _batch.Records.Count)
        {
            throw new InvalidOperationException($"{result.RecordsWritten} of {_batch.Records.Count} records converted; first failure: {(result.Failures.Count > 0 ? result.Failures[0].ErrorMessage : "none")}");
        }

        ReadOnlySpan<byte> file = _sink.GetBuffer().AsSpan(0, (int)_sink.Length);
        if (!file.StartsWith("PAR1"u8) || !file.EndsWith("PAR1"u8))
        {
            throw new InvalidOperationException("The encoder's output is not framed as a Parquet file.");
        }
    }

    [Benchmark]
    public long Encode()
    {
        _sink.SetLength(0);
        _formatter.Write(_batch.Records, _sink);
        return _sink.Length;
    }

    /// <summary>The columns a user would declare for each generated record kind, and how its timestamps read.</summary>
    private static (IReadOnlyList<ParquetColumn> Columns, JsonConversionOptions Json) Schema(RecordShape shape) => shape switch
    {
        // The same schemas as the parquet command's comparison with DuckDB.
        RecordShape.Log100 or RecordShape.Click600 => (ParquetInputs.For(shape)!.Columns, ParquetInputs.For(shape)!.Json),
        RecordShape.Trace4K =>
        (
            [
                new("timestamp", "timestamp", TimestampUnit: TimestampUnit.Microseconds), new("level", "string"), new("service", "string"),
                new("host", "string"), new("trace_id", "string"), new("span_id", "string"), new("seq", "bigint"), new("message", "string"),
                new("exception", "struct<type:string,message:string,stack:string>"),
                new("request", "struct<method:string,path:string,user_agent:string,client_ip:string,headers:map<string,string>>"),
                new("context", "map<string,string>"),
            ],
            new JsonConversionOptions()
        ),
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, null),
    };
}
