using System.Collections.Concurrent;
using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Delivery.Benchmarks.Micro;

/// <summary>A benchmark class whose operations each read a known number of record bytes.</summary>
internal interface IReadsRecordBytes
{
    /// <summary>
    /// The record bytes (the JSON users put, before any encoding) one operation of <paramref name="benchmarkCase"/>
    /// reads. Computed again from the case's parameters rather than taken from the run, so it works however the
    /// benchmark was run and costs the measurement nothing.
    /// </summary>
    static abstract long RecordBytesPerOperation(BenchmarkCase benchmarkCase);
}

/// <summary>Adds the MB/s column to a benchmark class: put <c>[Config(typeof(ThroughputConfig&lt;T&gt;))]</c> on it.</summary>
internal sealed class ThroughputConfig<T> : ManualConfig
    where T : IReadsRecordBytes
{
    public ThroughputConfig() => AddColumn(new ThroughputColumn(T.RecordBytesPerOperation));
}

/// <summary>
/// Record megabytes (10^6 bytes) per second from the mean time. Batches of different record sizes, codecs and encoders
/// are then compared by rate, the way the end-to-end figures and <c>Delivery.Formats.Bench</c> report them.
/// </summary>
/// <remarks>
/// With <c>best</c>, from the fastest iteration instead: on a machine shared with other work the mean measures the
/// neighbours too, and the best iteration is the one they disturbed least.
/// </remarks>
internal sealed class ThroughputColumn(Func<BenchmarkCase, long> bytesPerOperation, bool best = false) : IColumn
{
    // Summary exporters ask for each cell more than once; recomputing the input (a generated data set) each time is slow.
    private readonly ConcurrentDictionary<BenchmarkCase, long> _bytes = new();

    public string Id => nameof(ThroughputColumn) + (best ? "Best" : "");

    public string ColumnName => best ? "MB/s (best)" : "MB/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => best ? 1 : 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => $"Record megabytes (10^6 B of JSON as users put it) one operation reads, per second of {(best ? "the fastest iteration's" : "mean")} time";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? meanNanoseconds = best ? summary[benchmarkCase]?.ResultStatistics?.Min : summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (meanNanoseconds is not > 0)
        {
            return "NA";
        }

        long bytes = _bytes.GetOrAdd(benchmarkCase, bytesPerOperation);
        return (bytes / 1e6 / (meanNanoseconds.Value / 1e9)).ToString("N1", style.CultureInfo ?? CultureInfo.InvariantCulture);
    }

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;
}
