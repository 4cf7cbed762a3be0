using System.Globalization;
using System.Text;
using Delivery.Benchmarks.Data;

namespace Delivery.Benchmarks.EndToEnd;

/// <summary>
/// A fast stand-in for Kinesis: it hands out the records of simulated shards in pages the way GetRecords does (up to
/// 10,000 records or 10 MiB a page), with Kinesis-shaped 56-digit sequence numbers, partition keys and arrival times.
/// </summary>
/// <remarks>
/// <see cref="CreatePage"/> builds a page the way our Kinesis reader does (<c>RecordPage.Rent</c>, filled in place), so
/// memory held by the pipeline is what it would hold in production.
/// </remarks>
public sealed class InMemoryShardSource
{
    /// <summary>GetRecords returns at most 10,000 records and 10 MiB per call.</summary>
    public const int MaxRecordsPerPage = 10_000;

    public const long MaxBytesPerPage = 10L * 1024 * 1024;

    private const int SequencePrefixLength = 36;
    private static readonly DateTimeOffset FirstArrival = new(2026, 1, 15, 8, 0, 0, TimeSpan.Zero);
    private readonly RecordPool _pool;
    private const int SequenceNumberLength = 56;
    private const int PartitionKeyLength = 36;
    private readonly byte[][] _partitionKeys;
    private readonly byte[][] _sequencePrefixes;

    public InMemoryShardSource(RecordPool pool, int shards, long recordsPerShard, int maxRecordsPerPage = MaxRecordsPerPage)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(recordsPerShard, 1);
        _pool = pool;
        Shards = shards;
        RecordsPerShard = recordsPerShard;
        int byBytes = (int)Math.Max(1, MaxBytesPerPage / Math.Max(1, (long)Math.Ceiling(pool.AverageBytes * 1.1)));
        RecordsPerPage = Math.Min(Math.Min(maxRecordsPerPage, byBytes), (int)Math.Min(recordsPerShard, int.MaxValue));
        _partitionKeys = [.. Enumerable.Range(0, 4096).Select(i => Encoding.ASCII.GetBytes(Guid.CreateVersion7(FirstArrival.AddTicks(i)).ToString()))];
        _sequencePrefixes = [.. Enumerable.Range(0, shards).Select(s => Encoding.ASCII.GetBytes(("4959" + s.ToString("D6", CultureInfo.InvariantCulture)).PadRight(SequencePrefixLength, '7')))];
    }

    public int Shards { get; }

    public long RecordsPerShard { get; }

    public int RecordsPerPage { get; }

    public long TotalRecords => RecordsPerShard * Shards;

    /// <summary>
    /// What a page is expected to cost the memory budget before it is read, as the Kinesis reader estimates it from the
    /// records it read last: the page's records, each with its data, objects, sequence number and partition key.
    /// </summary>
    public long PageMemoryEstimate => RecordsPerPage * SourceRecord.EstimateMemoryBytes((long)Math.Ceiling(_pool.AverageBytes), PartitionKeyLength, SequenceNumberLength);

    public int PagesPerShard => (int)Math.Min(int.MaxValue, (RecordsPerShard + RecordsPerPage - 1) / RecordsPerPage);

    public static string ShardId(int shard) => "shardId-" + shard.ToString("D12", CultureInfo.InvariantCulture);

    /// <summary>Which pool record is record <paramref name="index"/> of <paramref name="shard"/>: shards start at different places.</summary>
    public int PoolIndex(int shard, long index) => (int)((index + (long)shard * 7919) % _pool.Count);

    public ReadOnlyMemory<byte> Data(int shard, long index) => _pool[PoolIndex(shard, index)];

    public string SequenceNumber(int shard, long index)
    {
        Span<byte> digits = stackalloc byte[SequenceNumberLength];
        WriteSequenceNumber(shard, index, digits);
        return Encoding.ASCII.GetString(digits);
    }

    /// <summary>The partition key of record <paramref name="index"/> of a shard.</summary>
    public string PartitionKey(long index) => Encoding.ASCII.GetString(_partitionKeys[(int)(index % _partitionKeys.Length)]);

    /// <summary>The record index a sequence number of this source stands for.</summary>
    public static long IndexOf(string sequenceNumber) => long.Parse(sequenceNumber.AsSpan(SequencePrefixLength), CultureInfo.InvariantCulture);

    /// <summary>The shard a sequence number of this source belongs to.</summary>
    public static int ShardOf(string sequenceNumber) => int.Parse(sequenceNumber.AsSpan(4, 6), CultureInfo.InvariantCulture);

    /// <summary>
    /// A page as our Kinesis reader builds it from a GetRecords response: one native block holding every record's data,
    /// sequence number and partition key, filled in place, and no object per record.
    /// </summary>
    public RecordPage CreatePage(int shard, int page)
    {
        long first = (long)page * RecordsPerPage;
        int count = (int)Math.Min(RecordsPerPage, RecordsPerShard - first);
        int dataBytes = 0;
        for (int i = 0; i < count; i++)
        {
            dataBytes += Data(shard, first + i).Length;
        }

        RecordPage built = RecordPage.Rent(ShardId(shard), dataBytes + (count * (SequenceNumberLength + PartitionKeyLength)), count);
        for (int i = 0; i < count; i++)
        {
            long index = first + i;
            ReadOnlySpan<byte> data = Data(shard, index).Span;
            int dataOffset = built.AppendBytes(data);
            WriteSequenceNumber(shard, index, built.AppendBytes(SequenceNumberLength, out int sequenceOffset));
            int keyOffset = built.AppendBytes(_partitionKeys[(int)(index % _partitionKeys.Length)]);
            built.AddRecord(dataOffset, data.Length, sequenceOffset, SequenceNumberLength, 0, keyOffset, PartitionKeyLength, Arrival(index).UtcTicks);
        }

        built.Seal(first + count < RecordsPerShard ? 5000 : 0);
        return built;
    }

    /// <summary>When record <paramref name="index"/> of a shard arrived: a millisecond after the one before it.</summary>
    public static DateTimeOffset Arrival(long index) => FirstArrival.AddMilliseconds(index);

    private void WriteSequenceNumber(int shard, long index, Span<byte> destination)
    {
        _sequencePrefixes[shard].CopyTo(destination);
        index.TryFormat(destination[SequencePrefixLength..], out _, "D20", CultureInfo.InvariantCulture);
    }
}
