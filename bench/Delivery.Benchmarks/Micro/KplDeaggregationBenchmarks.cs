using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Delivery.Benchmarks.Data;
using Delivery.Kinesis.Aggregation;
using Delivery.Testing;

namespace Delivery.Benchmarks.Micro;

/// <summary>
/// What the shard reader does with every Kinesis record it reads: <see cref="KplDeaggregator.Deaggregate"/>. For a KPL
/// aggregate that is the MD5 of the protobuf message, the protobuf walk, a string per partition key in its table and a
/// record per user record; for a plain record it is one record. Each user record has a partition key of its own, as
/// with the random keys most producers use, so the key table is as large as it gets. Per operation: the same 100 user
/// records, as one aggregate or as 100 plain Kinesis records.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig<KplDeaggregationBenchmarks>))]
public class KplDeaggregationBenchmarks : IReadsRecordBytes
{
    private const int UserRecords = 100;
    private const string SequenceNumber = "49590338271490256608559692538361571095921575989136588898";
    private static readonly DateTimeOffset Arrival = new(2026, 1, 15, 8, 0, 0, TimeSpan.Zero);

    private SourceRecord[] _plain = [];
    private byte[] _aggregate = [];
    private readonly List<SourceRecord> _output = new(UserRecords);

    [Params(RecordShape.Log100, RecordShape.Click600)]
    public RecordShape Shape { get; set; }

    public static long RecordBytesPerOperation(BenchmarkCase benchmarkCase) =>
        BenchmarkData.Records((RecordShape)benchmarkCase.Parameters[nameof(Shape)], UserRecords).Sum(record => (long)record.Data.Length);

    [GlobalSetup]
    public void Setup()
    {
        _plain = BenchmarkData.Records(Shape, UserRecords);
        _aggregate = KplAggregate.Build([.. _plain.Select(record => new KplAggregate.UserRecord(record.PartitionKey, record.Data.ToArray()))]);

        // If the aggregate were refused it would pass through as one plain record, and the figure would be meaningless.
        if (KplDeaggregator.Deaggregate(SequenceNumber, "aggregate-key", Arrival, _aggregate, _output) is { } problem)
        {
            throw new InvalidOperationException($"The aggregate was not de-aggregated: {problem}.");
        }

        for (int i = 0; i < UserRecords; i++)
        {
            SourceRecord record = _output.Count == UserRecords ? _output[i] : throw new InvalidOperationException($"{_output.Count} user records came out of {UserRecords}.");
            if (record.Position != new ShardPosition(SequenceNumber, i) || record.PartitionKey != _plain[i].PartitionKey || !record.Data.Span.SequenceEqual(_plain[i].Data.Span))
            {
                throw new InvalidOperationException($"User record {i} did not come out as it went in.");
            }
        }

        if (NotAggregated() != UserRecords)
        {
            throw new InvalidOperationException("Plain records did not pass through one for one.");
        }
    }

    [Benchmark(Baseline = true, Description = "100 plain records")]
    public int NotAggregated()
    {
        _output.Clear();
        foreach (SourceRecord record in _plain)
        {
            KplDeaggregator.Deaggregate(record.Position.SequenceNumber, record.PartitionKey, record.ApproximateArrivalTimestamp, record.Data, _output);
        }

        return _output.Count;
    }

    [Benchmark(Description = "1 aggregate of 100")]
    public int Aggregated()
    {
        _output.Clear();
        KplDeaggregator.Deaggregate(SequenceNumber, "aggregate-key", Arrival, _aggregate, _output);
        return _output.Count;
    }
}
