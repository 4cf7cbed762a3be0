using Delivery.Formats.Parquet.Encodings;

namespace Delivery.Formats.Parquet.Columns;

/// <summary>
/// The leaf entries of one source record, collected completely before any column sees them, so a record that fails
/// conversion halfway leaves no trace in the file. A record may hold several JSON objects (Firehose accepts
/// <c>{"a":1}{"a":2}</c>), so it holds one or more rows. Reused from record to record.
/// </summary>
internal sealed class ShreddedRecord : IDisposable
{
    private LeafValue[] _values = new LeafValue[64];
    private readonly List<int> _rowEnds = [];

    public int Count { get; private set; }

    public ByteBuffer Bytes { get; } = new(1024);

    public ReadOnlySpan<LeafValue> Values => _values.AsSpan(0, Count);

    /// <summary>The number of rows; row i covers <see cref="Values"/> from the end of row i-1 to <see cref="RowEnd"/>(i).</summary>
    public int RowCount => _rowEnds.Count;

    public int RowEnd(int row) => _rowEnds[row];

    /// <summary>Ends the current row: every leaf has received its entries for it.</summary>
    public void EndRow() => _rowEnds.Add(Count);

    public void Clear()
    {
        Count = 0;
        _rowEnds.Clear();
        Bytes.Clear();
    }

    public void AddNull(int leaf, int repetition, int definition) =>
        Add(new LeafValue { Leaf = leaf, Repetition = (byte)repetition, Definition = (byte)definition });

    public void AddFixed(int leaf, int repetition, int definition, long bits) =>
        Add(new LeafValue { Leaf = leaf, Repetition = (byte)repetition, Definition = (byte)definition, Bits = bits });

    public void AddBytes(int leaf, int repetition, int definition, ReadOnlySpan<byte> bytes)
    {
        int offset = Bytes.Length;
        Bytes.Write(bytes);
        Add(new LeafValue { Leaf = leaf, Repetition = (byte)repetition, Definition = (byte)definition, Offset = offset, Length = bytes.Length });
    }

    /// <summary>Adds a byte-array value whose bytes the caller has just appended to <see cref="Bytes"/> from <paramref name="offset"/>.</summary>
    public void AddWrittenBytes(int leaf, int repetition, int definition, int offset) =>
        Add(new LeafValue { Leaf = leaf, Repetition = (byte)repetition, Definition = (byte)definition, Offset = offset, Length = Bytes.Length - offset });

    public void Dispose() => Bytes.Dispose();

    private void Add(LeafValue value)
    {
        if (Count == _values.Length)
        {
            Array.Resize(ref _values, _values.Length * 2);
        }

        _values[Count++] = value;
    }
}
