using System.Globalization;
using Delivery.Benchmarks.Data;
using Delivery.Benchmarks.Reporting;
using Delivery.Pipeline.Buffering;

namespace Delivery.Benchmarks.EndToEnd.Scopes;

/// <summary>
/// <c>e2e --only scopes</c>: issue 18's example (<see cref="ScopeExample"/>) in both buffering scopes side by side, each
/// buffer size beside what Firehose writes for the same stream. Options: <c>--mbs 128,64,8</c> (SizeInMBs),
/// <c>--workers 1,3</c>.
/// </summary>
public static class ScopesTable
{
    /// <summary>Issue 18: Worker-scope objects within 20 % of SizeInMBs, or of the interval's worth of a partition.</summary>
    public const double SizeTolerance = 0.20;

    private const double MiB = 1024 * 1024;

    public static async Task<int> RunAsync(int[] sizes, int[] workerCounts, TextWriter output)
    {
        RecordPool pool = ScopeExample.Records();
        double streamPerPartition = Math.Round(ScopeExample.BytesPerShardPerSecond / pool.AverageBytes) * pool.AverageBytes * ScopeExample.Shards * ScopeExample.IntervalSeconds / ScopeExample.Customers;
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"## Buffering scopes (issue 18): {ScopeExample.Shards} shards at {ScopeExample.BytesPerShardPerSecond / 1000} KB/s each, IntervalInSeconds {ScopeExample.IntervalSeconds}, dynamic partitioning by {ScopeExample.Customers} customers (clickstream records of {pool.AverageBytes:F0} B with a customer field; query {ScopeExample.PartitionQuery}, prefix {ScopeExample.Prefix}), NDJSON + gzip Fastest, {ScopeExample.Intervals} intervals on simulated time, memory budget {ScopeExample.BudgetMiB} MiB per worker")).ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync("Objects per interval are those written in it; the last drain's objects are apart. Sizes are of the interval objects: uncompressed (gunzipped here) and as stored. Expected object: SizeInMBs, or the interval's worth of one partition in one worker's buffer when that is less. Count limit: partitions x workers, times the objects SizeInMBs cuts a partition's interval worth into. A worker's first cut is made before any written plan has told it how its data divides into partitions (it is cut by the interval, or at half the memory budget); the column after it leaves those objects out. Pressure waits: times a reader waited for the memory budget (each one cuts every buffer early); 0 means no cut was by pressure.").ConfigureAwait(false);
        await output.WriteLineAsync().ConfigureAwait(false);
        await output.WriteLineAsync("| buffering | SizeInMBs | workers | objects per interval | cuts per interval | uncompressed MB mean / min / max | gzip MB mean | expected object MB | within 20 % | within 20 % after each worker's first cut | count limit | drain objects | pressure waits | run s | target |").ConfigureAwait(false);
        await output.WriteLineAsync("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|").ConfigureAwait(false);
        int misses = 0;
        foreach (int size in sizes)
        {
            double sizeBytes = size * MiB;
            int perPartition = (int)Math.Ceiling(streamPerPartition / sizeBytes);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"| Firehose (reference: one stream, a buffer per partition) | {size} | - | about {ScopeExample.Customers * perPartition} | - | about {Math.Min(sizeBytes, streamPerPartition) / 1e6:F1} | - | {Math.Min(sizeBytes, streamPerPartition) / 1e6:F1} | - | - | - | - | - | - | {(size < 64 ? "below Firehose's minimum of 64 for dynamic partitioning" : "-")} |")).ConfigureAwait(false);
            foreach (int workers in workerCounts)
            {
                foreach (BufferingScope scope in new[] { BufferingScope.Shard, BufferingScope.Worker })
                {
                    ScopeOutcome outcome = await ScopeExample.RunAsync(new ScopeCase(scope, size, workers), pool).ConfigureAwait(false);
                    (string row, bool met) = Row(outcome, sizeBytes);
                    misses += met ? 0 : 1;
                    await output.WriteLineAsync(row).ConfigureAwait(false);
                }
            }
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Target (Worker scope, issue 18): every interval object within {SizeTolerance:P0} of the expected object, and at most the count limit of objects per interval. Load average: {Machine.LoadAverage()}.")).ConfigureAwait(false);
        return misses;
    }

    private static (string Row, bool Met) Row(ScopeOutcome outcome, double sizeBytes)
    {
        ScopeCase run = outcome.Case;
        WrittenObject[] inIntervals = [.. outcome.Objects.Where(o => o.Interval < ScopeExample.Intervals)];
        int[] perInterval = [.. Enumerable.Range(0, ScopeExample.Intervals).Select(i => inIntervals.Count(o => o.Interval == i))];
        int[] cuts = [.. Enumerable.Range(0, ScopeExample.Intervals).Select(i => inIntervals.Where(o => o.Interval == i).Select(o => (o.Worker, o.BatchId)).Distinct().Count())];
        double expected = Math.Min(sizeBytes, outcome.IntervalBytesPerPartitionPerWorker);
        bool Within(WrittenObject o) => Math.Abs(o.UncompressedBytes - expected) <= expected * SizeTolerance;
        int within = inIntervals.Count(Within);

        // A worker's first cut is made before any plan has told it how its data divides into partitions.
        WrittenObject[] later = [.. inIntervals.Where(o => o.Cut > 0)];
        int laterWithin = later.Count(Within);

        // Partitions x workers objects an interval; more when SizeInMBs cuts a partition's interval worth.
        int limit = ScopeExample.Customers * run.Workers * (int)Math.Ceiling(outcome.IntervalBytesPerPartitionPerWorker / sizeBytes);
        bool sizesMet = within == inIntervals.Length;
        bool countMet = perInterval.All(count => count <= limit);
        string target = run.Scope == BufferingScope.Shard
            ? "none (today's behaviour)"
            : $"sizes {(sizesMet ? "met" : "MISSED")}{(sizesMet ? "" : laterWithin == later.Length ? " (met after each worker's first cut)" : "")}; count {(countMet ? "met" : "MISSED")}";
        IEnumerable<double> sizes = inIntervals.Select(o => (double)o.UncompressedBytes).DefaultIfEmpty();
        string row = string.Create(CultureInfo.InvariantCulture,
            $"| {run.Scope} | {run.SizeInMBs} | {run.Workers} | {string.Join(", ", perInterval)} | {string.Join(", ", cuts)} | {Mb(sizes.Average())} / {Mb(sizes.Min())} / {Mb(sizes.Max())} | {Mb(inIntervals.Select(o => (double)o.CompressedBytes).DefaultIfEmpty().Average())} | {expected / 1e6:F1} | {within} of {inIntervals.Length} | {(run.Scope == BufferingScope.Worker ? $"{laterWithin} of {later.Length}" : "-")} | {limit} | {outcome.Objects.Count - inIntervals.Length} | {outcome.PressureWaits} | {outcome.Elapsed.TotalSeconds:F0} | {target} |");
        return (row, run.Scope == BufferingScope.Shard || (sizesMet && countMet));
    }

    private static string Mb(double bytes) => bytes >= 1e6
        ? (bytes / 1e6).ToString("F1", CultureInfo.InvariantCulture)
        : (bytes / 1e6).ToString("F3", CultureInfo.InvariantCulture);
}
