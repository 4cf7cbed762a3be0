using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Delivery.Benchmarks.Data;
using Delivery.Benchmarks.EndToEnd;
using Delivery.Transforms;
using Delivery.Transforms.Contract;
using Delivery.Transforms.Processing;

namespace Delivery.Benchmarks.Micro;

/// <summary>
/// The Firehose data-transformation contract, as the Lambda and HTTP transform stages speak it for one invocation of
/// 1,000 records: writing the event (base64 data and Kinesis metadata per record) into a buffer sized up front as both
/// stages size it (growing one from 64 KiB, as the HTTP stage once did, was 3-5 times slower); and reading the response
/// of a transform that
/// returns every record Ok, its data as it came, with two partition keys each for dynamic partitioning. Per operation:
/// one event or one response. Beside them, their floors in the same run: base64 of every record's data alone (what any
/// event writer must do), and a <see cref="Utf8JsonReader"/> pass over the response that decodes each data string and
/// nothing else (what any reader built on it must do).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(TransformContractBenchmarks.Columns))]
public class TransformContractBenchmarks : IReadsRecordBytes
{
    private const int RecordCount = 1_000;
    private const string InvocationId = "6b1f6c1e-2a43-4b9e-9d0f-3c5a7e8d9b21";

    private SourceRecord[] _source = [];
    private ProcessingRun _run = null!;
    private ChainRecord[] _records = [];
    private int _eventBytesEstimate;
    private byte[] _response = [];
    private byte[] _floorBuffer = [];

    [Params(RecordShape.Log100, RecordShape.Click600, RecordShape.Trace4K)]
    public RecordShape Shape { get; set; }

    /// <summary>Bytes allocated per record beyond the output data: the target is at most 16.</summary>
    public const double AllocationTarget = 16;

    public static long RecordBytesPerOperation(BenchmarkCase benchmarkCase) =>
        BenchmarkData.Records((RecordShape)benchmarkCase.Parameters[nameof(Shape)], RecordCount).Sum(record => (long)record.Data.Length);

    [GlobalSetup]
    public void Setup()
    {
        _source = BenchmarkData.Records(Shape, RecordCount);
        var batch = new DeliveryBatch("bench", new BatchSource("bench-stream", InMemoryShardSource.ShardId(0), _source[0].Position, _source[^1].Position), _source);
        _run = new ProcessingRun(batch, new TransformEnvironment("eu-west-1", "123456789012", "bench"));
        _records = [.. _source.Select((record, i) => new ChainRecord(i, record.Data))];
        _eventBytesEstimate = FirehoseEventWriter.EnvelopeBytes + (int)_records.Sum(record => FirehoseEventWriter.EstimateRecordBytes(_run, record));
        _response = Response(_source);
        _floorBuffer = new byte[_eventBytesEstimate + _response.Length];
        CheckEvent();
        CheckResponse();
    }

    /// <summary>As the Lambda and HTTP stages do: into a pooled buffer of the estimated size, given back once sent.</summary>
    [Benchmark(Baseline = true, Description = "write event")]
    public int WriteEvent()
    {
        using var payload = new PooledBufferWriter(_eventBytesEstimate);
        FirehoseEventWriter.Write(payload, InvocationId, _run, _records);
        return payload.WrittenCount;
    }

    /// <summary>As the stages do: the replies are applied, then given back; the decoded data is the output.</summary>
    [Benchmark(Description = "read response")]
    public int ReadResponse()
    {
        using TransformReplies replies = FirehoseResponseReader.Read(_response);
        return replies.Count;
    }

    /// <summary>The event's unavoidable work: each record's data base64-encoded, one after the other.</summary>
    [Benchmark(Description = "floor: base64 encode")]
    public int Base64Floor()
    {
        Span<byte> target = _floorBuffer;
        int at = 0;
        foreach (ChainRecord record in _records)
        {
            System.Buffers.Text.Base64.EncodeToUtf8(record.Data.Span, target[at..], out _, out int written);
            at += written;
        }

        return at;
    }

    /// <summary>The response's unavoidable work with the standard reader: every token read, each data string decoded.</summary>
    [Benchmark(Description = "floor: scan + decode")]
    public int ScanFloor()
    {
        var reader = new Utf8JsonReader(_response);
        Span<byte> target = _floorBuffer;
        int at = 0;
        bool data = false;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName)
            {
                data = reader.ValueTextEquals("data"u8);
            }
            else if (data && reader.TokenType == JsonTokenType.String)
            {
                System.Buffers.Text.Base64.DecodeFromUtf8(reader.ValueSpan, target[at..], out _, out int written);
                at += written;
                data = false;
            }
        }

        return at;
    }

    /// <summary>The event must hold every record's data, in order, under its index as recordId.</summary>
    private void CheckEvent()
    {
        var payload = new ArrayBufferWriter<byte>(_eventBytesEstimate);
        FirehoseEventWriter.Write(payload, InvocationId, _run, _records);
        using var json = JsonDocument.Parse(payload.WrittenMemory);
        JsonElement records = json.RootElement.GetProperty("records");
        if (records.GetArrayLength() != RecordCount)
        {
            throw new InvalidOperationException($"The event holds {records.GetArrayLength()} records, not {RecordCount}.");
        }

        int i = 0;
        foreach (JsonElement record in records.EnumerateArray())
        {
            if (record.GetProperty("recordId").GetString() != i.ToString(CultureInfo.InvariantCulture) || !record.GetProperty("data").GetBytesFromBase64().AsSpan().SequenceEqual(_source[i].Data.Span))
            {
                throw new InvalidOperationException($"Record {i} of the event is not the record that went in.");
            }

            i++;
        }
    }

    /// <summary>Every reply must be Ok with the record's data and both keys, or the reader took a failure path.</summary>
    private void CheckResponse()
    {
        using TransformReplies replies = FirehoseResponseReader.Read(_response);
        if (replies.Count != RecordCount)
        {
            throw new InvalidOperationException($"The response gave {replies.Count} replies, not {RecordCount}.");
        }

        for (int i = 0; i < RecordCount; i++)
        {
            TransformReply reply = replies[i];
            if (reply.Result != TransformResult.Ok || reply.RecordIndex != i || reply.Split is not null
                || !reply.Data.Span.SequenceEqual(_source[i].Data.Span) || reply.PartitionKeys?.Count != 2)
            {
                throw new InvalidOperationException($"Reply {i} is not what the response holds: {reply.Result} {reply.ErrorMessage}");
            }
        }
    }

    /// <summary>What a Node or Python transform sends back: unescaped base64, keys in <c>metadata.partitionKeys</c>.</summary>
    private static byte[] Response(SourceRecord[] records)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartArray("records");
            for (int i = 0; i < records.Length; i++)
            {
                json.WriteStartObject();
                json.WriteString("recordId", i.ToString(CultureInfo.InvariantCulture));
                json.WriteString("result", "Ok");
                json.WriteBase64String("data", records[i].Data.Span);
                json.WriteStartObject("metadata");
                json.WriteStartObject("partitionKeys");
                json.WriteString("tenant", "t-" + (i % 8).ToString(CultureInfo.InvariantCulture));
                json.WriteString("day", "2026-01-15");
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>MB/s, and what an operation allocates per record beyond its output (the decoded data of a response).</summary>
    private sealed class Columns : ManualConfig
    {
        public Columns()
        {
            AddColumn(new ThroughputColumn(RecordBytesPerOperation));
            AddColumn(new ThroughputColumn(RecordBytesPerOperation, best: true));
            AddColumn(new BeyondOutputColumn());
        }
    }

    private sealed class BeyondOutputColumn : IColumn
    {
        public string Id => nameof(BeyondOutputColumn);

        public string ColumnName => "B/record beyond output (<= 16)";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 2;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Bytes allocated per record beyond the output data (a response's decoded data; an event is written into a pooled buffer)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            if (summary[benchmarkCase] is not { } report)
            {
                return "NA";
            }

            long allocated = report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase) ?? 0;
            long output = benchmarkCase.Descriptor.WorkloadMethod.Name == nameof(ReadResponse) ? RecordBytesPerOperation(benchmarkCase) : 0;
            return ((allocated - output) / (double)RecordCount).ToString("N1", style.CultureInfo ?? CultureInfo.InvariantCulture);
        }

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}
