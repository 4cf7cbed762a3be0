using System.Globalization;
using System.Text;

namespace Delivery;

/// <summary>
/// One record as read from a shard: a view into its <see cref="RecordPage"/>, valid while the page is held (see the
/// page's ownership rule). Reading a record of a page that has been returned throws <see cref="ObjectDisposedException"/>.
/// </summary>
/// <remarks>
/// A record costs no object of its own: its data, sequence number and partition key are bytes in the page. The
/// properties that give strings (<see cref="Position"/>, <see cref="PartitionKey"/>) make them when asked; hot paths use
/// the UTF-8 spans and <see cref="ComparePosition"/> instead. A processor's output keeps its source record's metadata
/// with new bytes: <c>record with { Data = transformed }</c>.
/// </remarks>
public readonly struct SourceRecord : IEquatable<SourceRecord>
{
    private readonly RecordPage _page;
    private readonly int _index;
    private readonly int _generation;

    /// <summary>A record built on the heap (tests, tools): it holds its own metadata and <paramref name="data"/> as given.</summary>
    public SourceRecord(ShardPosition position, string partitionKey, DateTimeOffset approximateArrivalTimestamp, ReadOnlyMemory<byte> data)
    {
        _page = RecordPage.ForSingleRecord(position, partitionKey, approximateArrivalTimestamp);
        _index = 0;
        _generation = 0;
        Data = data;
    }

    internal SourceRecord(RecordPage page, int index, int generation, ReadOnlyMemory<byte> data)
    {
        _page = page;
        _index = index;
        _generation = generation;
        Data = data;
    }

    /// <summary>The record's bytes: the producer's, or what a processor made of them.</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>Where the record sits in its shard (makes a string; see <see cref="ComparePosition"/> for hot paths).</summary>
    public ShardPosition Position => new(Encoding.ASCII.GetString(SequenceNumberUtf8), SubSequenceNumber);

    /// <summary>The Kinesis sequence number, as its ASCII digits.</summary>
    public ReadOnlySpan<byte> SequenceNumberUtf8 => Page.SequenceNumberOf(_index, _generation);

    /// <summary>The record's index in its KPL aggregate; 0 for a record that was not aggregated.</summary>
    public long SubSequenceNumber => Page.SubSequenceNumberOf(_index, _generation);

    /// <summary>The Kinesis partition key the producer gave (makes a string).</summary>
    public string PartitionKey => Encoding.UTF8.GetString(PartitionKeyUtf8);

    /// <summary>The partition key as UTF-8.</summary>
    public ReadOnlySpan<byte> PartitionKeyUtf8 => Page.PartitionKeyOf(_index, _generation);

    /// <summary>The shard the record was read from; empty for a record built on the heap.</summary>
    public string ShardId => Page.ShardId;

    /// <summary>When Kinesis accepted the record.</summary>
    public DateTimeOffset ApproximateArrivalTimestamp => new(Page.ArrivalTicksOf(_index, _generation), TimeSpan.Zero);

    private RecordPage Page => _page ?? throw new InvalidOperationException("A default SourceRecord has no record behind it.");

    /// <summary>
    /// What a record of these sizes costs in a page: its data, its sequence number and partition key, and its entry in
    /// the page's record table. What a reader expects of records it has not read yet.
    /// </summary>
    /// <param name="dataBytes">The record's data length.</param>
    /// <param name="partitionKeyLength">Bytes of its partition key.</param>
    /// <param name="sequenceNumberLength">Digits of its sequence number (56 for Kinesis).</param>
    public static long EstimateMemoryBytes(long dataBytes, int partitionKeyLength, int sequenceNumberLength) =>
        dataBytes + partitionKeyLength + sequenceNumberLength + OverheadBytes;

    /// <summary>A record's entry in its page's record table.</summary>
    public const int OverheadBytes = 40;

    /// <summary>Orders the record against <paramref name="position"/> without making a string: negative, zero or positive.</summary>
    public int ComparePosition(ShardPosition position)
    {
        ArgumentNullException.ThrowIfNull(position.SequenceNumber);
        ReadOnlySpan<byte> mine = SequenceNumberUtf8;
        int byLength = mine.Length.CompareTo(position.SequenceNumber.Length);
        if (byLength != 0)
        {
            return byLength;
        }

        for (int i = 0; i < mine.Length; i++)
        {
            int byDigit = mine[i].CompareTo((byte)position.SequenceNumber[i]);
            if (byDigit != 0)
            {
                return byDigit;
            }
        }

        return SubSequenceNumber.CompareTo(position.SubSequenceNumber);
    }

    /// <summary>True when both records have the same position (the parts of one split record do).</summary>
    public bool HasSamePosition(in SourceRecord other) =>
        SubSequenceNumber == other.SubSequenceNumber && SequenceNumberUtf8.SequenceEqual(other.SequenceNumberUtf8);

    public bool Equals(SourceRecord other) =>
        HasSamePosition(other)
        && PartitionKeyUtf8.SequenceEqual(other.PartitionKeyUtf8)
        && ApproximateArrivalTimestamp == other.ApproximateArrivalTimestamp
        && Data.Span.SequenceEqual(other.Data.Span);

    public override bool Equals(object? obj) => obj is SourceRecord other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(SubSequenceNumber, Data.Length);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Position} ({Data.Length} bytes, key {PartitionKey})");

    public static bool operator ==(SourceRecord left, SourceRecord right) => left.Equals(right);

    public static bool operator !=(SourceRecord left, SourceRecord right) => !left.Equals(right);
}
