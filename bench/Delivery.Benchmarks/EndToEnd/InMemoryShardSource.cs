using System.Globalization;
using Delivery.Benchmarks.Data;

namespace Delivery.Benchmarks.EndToEnd;

/// <summary>
/// A fast stand-in for Kinesis: it hands out the records of simulated shards in pages the way GetRecords does (up to
/// 10,000 records or 10 MiB a page), with Kinesis-shaped 56-digit sequence numbers, partition keys and arrival times.
/// </summary>
/// <remarks>
/// <see cref="CreatePage"/> allocates what our Kinesis reader allocates for a page (the record array, one data array,
/// one sequence-number string and one partition-key string per record), so memory held by the pipeline is what it would
/// hold in production. <see cref="CreateSharedPage"/> points into the pool instead and shares partition keys: the pages
/// of a throughput run are built before the clock starts and cost as little memory as possible.
/// </remarks>
public sealed class InMemoryShardSource
{
    /// <summary>GetRecords returns at most 10,000 records and 10 MiB per call.</summary>
    public const int MaxRecordsPerPage = 10_000;

    public const long MaxBytesPerPage = 10L * 1024 * 1024;

    private const int SequencePrefixLength = 36;
    private static readonly DateTimeOffset FirstArrival = new(2026, 1, 15, 8, 0, 0, TimeSpan.Zero);
    private readonly RecordPool _pool;
    private readonly string[] _partitionKeys;
    private readonly string[] _sequencePrefixes;

    public InMemoryShardSource(RecordPool pool, int shards, long recordsPerShard, int maxRecordsPerPage = MaxRecordsPerPage)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(recordsPerShard, 1);
        _pool = pool;
        Shards = shards;
        RecordsPerShard = recordsPerShard;
        int byBytes = (int)Math.Max(1, MaxBytesPerPage / Math.Max(1, (long)Math.Ceiling(pool.AverageBytes * 1.1)));
        RecordsPerPage = Math.Min(Math.Min(maxRecordsPerPage, byBytes), (int)Math.Min(recordsPerShard, int.MaxValue));
        _partitionKeys = [.. Enumerable.Range(0, 4096).Select(i => Guid.CreateVersion7(FirstArrival.AddTicks(i)).ToString())];
        _sequencePrefixes = [.. Enumerable.Range(0, shards).Select(s => ("4959" + s.ToString("D6", CultureInfo.InvariantCulture)).PadRight(SequencePrefixLength, '7'))];
    }

    public int Shards { get; }

    public long RecordsPerShard { get; }

    public int RecordsPerPage { get; }

    public long TotalRecords => RecordsPerShard * Shards;

    /// <summary>
    /// What a page is expected to cost the memory budget before it is read, as the Kinesis reader estimates it from the
    /// records it read last: the page's records, each with its data, objects, sequence number and partition key.
    /// </summary>
    public long PageMemoryEstimate => RecordsPerPage * SourceRecord.EstimateMemoryBytes((long)Math.Ceiling(_pool.AverageBytes), partitionKeyLength: 36, sequenceNumberLength: 56);

    public int PagesPerShard => (int)Math.Min(int.MaxValue, (RecordsPerShard + RecordsPerPage - 1) / RecordsPerPage);

    public static string ShardId(int shard) => "shardId-" + shard.ToString("D12", CultureInfo.InvariantCulture);

    /// <summary>Which pool record is record <paramref name="index"/> of <paramref name="shard"/>: shards start at different places.</summary>
    public int PoolIndex(int shard, long index) => (int)((index + (long)shard * 7919) % _pool.Count);

    public ReadOnlyMemory<byte> Data(int shard, long index) => _pool[PoolIndex(shard, index)];

    public string SequenceNumber(int shard, long index) => string.Create(56, (_sequencePrefixes[shard], index), static (span, state) =>
    {
        state.Item1.AsSpan().CopyTo(span);
        state.index.TryFormat(span[SequencePrefixLength..], out _, "D20", CultureInfo.InvariantCulture);
    });

    /// <summary>The record index a sequence number of this source stands for.</summary>
    public static long IndexOf(string sequenceNumber) => long.Parse(sequenceNumber.AsSpan(SequencePrefixLength), CultureInfo.InvariantCulture);

    /// <summary>The shard a sequence number of this source belongs to.</summary>
    public static int ShardOf(string sequenceNumber) => int.Parse(sequenceNumber.AsSpan(4, 6), CultureInfo.InvariantCulture);

    /// <summary>A page as our Kinesis reader builds it from a GetRecords response: every record in its own arrays.</summary>
    public RecordPage CreatePage(int shard, int page) => Build(shard, page, copy: true);

    /// <summary>A page whose record data points into the pool and whose partition keys are shared.</summary>
    public RecordPage CreateSharedPage(int shard, int page) => Build(shard, page, copy: false);

    private RecordPage Build(int shard, int page, bool copy)
    {
        long first = (long)page * RecordsPerPage;
        int count = (int)Math.Min(RecordsPerPage, RecordsPerShard - first);
        var records = new SourceRecord[count];
        for (int i = 0; i < count; i++)
        {
            long index = first + i;
            ReadOnlyMemory<byte> data = Data(shard, index);
            string partitionKey = _partitionKeys[(int)(index % _partitionKeys.Length)];
            records[i] = new SourceRecord(
                new ShardPosition(SequenceNumber(shard, index)),
                copy ? new string(partitionKey) : partitionKey,
                FirstArrival.AddMilliseconds(index),
                copy ? data.ToArray() : data);
        }

        long behind = first + count < RecordsPerShard ? 5000 : 0;
        return new RecordPage(ShardId(shard), records, behind);
    }
}
