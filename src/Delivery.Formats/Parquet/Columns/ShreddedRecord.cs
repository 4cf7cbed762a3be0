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

    /// <summary>Adds a byte-array value that is the record's own bytes from <paramref name="offset"/>: nothing is copied.</summary>
    public void AddRecordBytes(int leaf, int repetition, int definition, int offset, int length) =>
        Add(new LeafValue { Leaf = leaf, Repetition = (byte)repetition, Definition = (byte)definition, InRecord = true, Offset = offset, Length = length });

    /// <summary>The bytes of a byte-array <paramref name="value"/> of this record, whose JSON is <paramref name="json"/>.</summary>
    public ReadOnlySpan<byte> BytesOf(in LeafValue value, ReadOnlySpan<byte> json) =>
        (value.InRecord ? json : Bytes.WrittenSpan).Slice(value.Offset, value.Length);

    /// <summary>
    /// Marks the entries from <paramref name="start"/> to <paramref name="end"/> dead (their leaf becomes -1), so the
    /// file skips them: what a key given twice first held.
    /// </summary>
    public void Kill(int start, int end)
    {
        foreach (ref LeafValue value in _values.AsSpan(start, end - start))
        {
            value.Leaf = -1;
        }
    }

    /// <summary>Whether entries <paramref name="a"/> and <paramref name="b"/> hold the same value (map keys given twice).</summary>
    public bool SameValue(int a, int b, ReadOnlySpan<byte> json)
    {
        ref LeafValue left = ref _values[a];
        ref LeafValue right = ref _values[b];
        return left.Leaf == right.Leaf && left.Definition == right.Definition && left.Bits == right.Bits && BytesOf(left, json).SequenceEqual(BytesOf(right, json));
    }

    /// <summary>A hash of entry <paramref name="index"/>'s value, consistent with <see cref="SameValue"/>.</summary>
    public int HashOf(int index, ReadOnlySpan<byte> json)
    {
        ref LeafValue value = ref _values[index];
        return ValueHash.Of(value.Bits) ^ ValueHash.Of(BytesOf(value, json));
    }

    /// <summary>
    /// Gives the entries from <paramref name="start"/> to <paramref name="end"/> that start a repeated element at level
    /// <paramref name="from"/> the level <paramref name="to"/> instead: a map entry that has become the first of its map.
    /// </summary>
    public void Promote(int start, int end, int from, int to)
    {
        foreach (ref LeafValue value in _values.AsSpan(start, end - start))
        {
            if (value.Repetition == from)
            {
                value.Repetition = (byte)to;
            }
        }
    }

    /// <summary>Adds a byte-array value whose bytes the caller has just appended to <see cref="Bytes"/> from <paramref name="offset"/>.</summary>
    public void AddWrittenBytes(int leaf, int repetition, int definition, int offset) =>
        Add(new LeafValue { Leaf = leaf, Repetition = (byte)repetition, Definition = (byte)definition, Offset = offset, Length = Bytes.Length - offset });

    public void Dispose() => Bytes.Dispose();

    private void Add(in LeafValue value)
    {
        if (Count == _values.Length)
        {
            Array.Resize(ref _values, _values.Length * 2);
        }

        _values[Count++] = value;
    }
}
