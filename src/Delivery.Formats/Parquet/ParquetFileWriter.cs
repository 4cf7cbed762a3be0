using Delivery.Formats.Parquet.Columns;
using Delivery.Formats.Parquet.Encodings;
using Delivery.Formats.Parquet.Schema;
using Delivery.Formats.Parquet.Thrift;

namespace Delivery.Formats.Parquet;

/// <summary>
/// Writes one Parquet file to a stream, record by record: "PAR1", row groups of column chunks as they fill, then the
/// Thrift footer (schema, row groups, column metadata and statistics), its length and "PAR1". The stream only needs to
/// be writable; offsets are counted here. One writer per file, not thread-safe.
/// </summary>
internal sealed class ParquetFileWriter : IDisposable
{
    /// <summary>The created_by string readers see; "Delivery" is not parquet-mr, so no reader applies parquet-mr workarounds.</summary>
    public const string CreatedBy = "Delivery Parquet encoder version 1.0.0";

    private static readonly byte[] Magic = "PAR1"u8.ToArray();

    // Summing the columns' sizes is a loop over all leaves, so it runs every few records rather than after each one.
    private const int SizeCheckInterval = 32;

    private readonly ParquetSchema _schema;
    private readonly ParquetWriterSettings _settings;
    private readonly Stream _output;
    private readonly ColumnChunkWriter[] _columns;

    // Columns whose open page filled up during the current row, each listed once.
    private readonly int[] _fullPages;
    private int _fullCount;
    private readonly List<RowGroupMetadata> _rowGroups = [];
    private long _position;
    private long _rowGroupRows;
    private long _totalRows;
    private bool _finished;

    /// <param name="schema">The file's schema.</param>
    /// <param name="settings">Page, row-group, dictionary and compression settings.</param>
    /// <param name="output">Where the file goes.</param>
    /// <param name="hints">The buffer sizes of the previous file of the same schema; null for none.</param>
    public ParquetFileWriter(ParquetSchema schema, ParquetWriterSettings settings, Stream output, BufferSizeHints? hints = null)
    {
        hints ??= new BufferSizeHints(schema.Leaves.Count);
        _schema = schema;
        _settings = settings;
        _output = output;
        _columns = [.. schema.Leaves.Select((leaf, i) => new ColumnChunkWriter(leaf, settings, hints, i))];
        _fullPages = new int[_columns.Length];
        _output.Write(Magic);
        _position = Magic.Length;
    }

    public long RowCount => _totalRows;

    /// <summary>Adds the rows of one converted record, whose JSON is <paramref name="json"/>; every leaf column gets at least one entry per row.</summary>
    public void Append(ShreddedRecord record, ReadOnlySpan<byte> json)
    {
        ReadOnlySpan<byte> scratch = record.Bytes.WrittenSpan;
        ReadOnlySpan<LeafValue> values = record.Values;
        int start = 0;
        for (int row = 0; row < record.RowCount; row++)
        {
            int end = record.RowEnd(row);
            foreach (ref readonly LeafValue value in values[start..end])
            {
                // A dead entry is what a key given twice held first.
                if (value.Leaf >= 0 && _columns[value.Leaf].Add(in value, (value.InRecord ? json : scratch).Slice(value.Offset, value.Length)))
                {
                    _fullPages[_fullCount++] = value.Leaf;
                }
            }

            start = end;

            // Pages close between rows, never inside one.
            for (int i = 0; i < _fullCount; i++)
            {
                _columns[_fullPages[i]].EndPage();
            }

            _fullCount = 0;
            _rowGroupRows++;
            _totalRows++;
            if (_rowGroupRows % SizeCheckInterval == 0 && EstimatedBytes() >= _settings.BlockSizeBytes)
            {
                FlushRowGroup();
            }
        }
    }

    /// <summary>Writes the last row group and the footer. The stream stays open.</summary>
    public void Finish()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        if (_rowGroupRows > 0)
        {
            FlushRowGroup();
        }

        using var footer = new ByteBuffer(4096);
        WriteFileMetadata(new ThriftCompactWriter(footer));
        _output.Write(footer.WrittenSpan);
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, footer.Length);
        _output.Write(length);
        _output.Write(Magic);
    }

    public void Dispose()
    {
        foreach (ColumnChunkWriter column in _columns)
        {
            column.Dispose();
        }
    }

    private long EstimatedBytes()
    {
        long total = 0;
        foreach (ColumnChunkWriter column in _columns)
        {
            total += column.EstimatedBytes;
        }

        return total;
    }

    private void FlushRowGroup()
    {
        long start = _position;
        var chunks = new List<ColumnChunkMetadata>(_columns.Length);
        foreach (ColumnChunkWriter column in _columns)
        {
            ColumnChunkMetadata chunk = column.WriteChunk(_output, _position);
            _position += chunk.CompressedBytes;
            chunks.Add(chunk);
            column.Reset();
        }

        _rowGroups.Add(new RowGroupMetadata(chunks, _rowGroupRows, start, _position - start));
        _rowGroupRows = 0;
    }

    private void WriteFileMetadata(ThriftCompactWriter thrift)
    {
        thrift.BeginStruct();
        thrift.FieldI32(1, 1);
        _schema.WriteSchemaElements(thrift);
        thrift.FieldI64(3, _totalRows);
        thrift.FieldListOfStructs(4, _rowGroups.Count);
        for (int i = 0; i < _rowGroups.Count; i++)
        {
            RowGroupMetadata group = _rowGroups[i];
            thrift.BeginStruct();
            thrift.FieldListOfStructs(1, group.Chunks.Count);
            foreach (ColumnChunkMetadata chunk in group.Chunks)
            {
                chunk.Write(thrift, _settings.Compression);
            }

            thrift.FieldI64(2, group.Chunks.Sum(chunk => chunk.UncompressedBytes));
            thrift.FieldI64(3, group.Rows);
            thrift.FieldI64(5, group.Offset);
            thrift.FieldI64(6, group.CompressedBytes);
            thrift.FieldI16(7, (short)i);
            thrift.EndStruct();
        }

        thrift.FieldString(6, CreatedBy);

        // Every leaf uses its type's defined order, which tells readers that min_value / max_value can be trusted.
        thrift.FieldListOfStructs(7, _columns.Length);
        for (int i = 0; i < _columns.Length; i++)
        {
            thrift.BeginStruct();
            thrift.FieldStructBegin(1);
            thrift.EndStruct();
            thrift.EndStruct();
        }

        thrift.EndStruct();
    }

    private sealed record RowGroupMetadata(IReadOnlyList<ColumnChunkMetadata> Chunks, long Rows, long Offset, long CompressedBytes);
}
