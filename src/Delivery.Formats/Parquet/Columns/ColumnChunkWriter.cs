using Delivery.Formats.Parquet.Encodings;
using Delivery.Formats.Parquet.Schema;
using Delivery.Formats.Parquet.Thrift;

namespace Delivery.Formats.Parquet.Columns;

/// <summary>
/// Builds the column chunk of one leaf for the current row group: levels and values go into the open data page, pages
/// are encoded and compressed as they fill, and <see cref="WriteChunk"/> writes the dictionary page (if any page used
/// it) followed by the data pages.
/// </summary>
/// <remarks>
/// Values are dictionary-encoded while that pays. The dictionary is given up for the rest of the row group when it
/// outgrows <see cref="ParquetWriterSettings.DictionaryPageSizeLimitBytes"/>, or when the first page shows that
/// dictionary plus indices would not be smaller than plain values (unique ids, long free text). Pages already written
/// keep their dictionary encoding; the open page is re-encoded plain.
/// </remarks>
internal sealed class ColumnChunkWriter : IDisposable
{
    private readonly LeafNode _leaf;
    private readonly ParquetWriterSettings _settings;
    private readonly PhysicalType _type;
    private readonly int _maxDefinition;
    private readonly int _maxRepetition;
    private readonly bool _dictionaryAllowed;

    private readonly IntBuffer _repetitions = new();
    private readonly IntBuffer _definitions = new();
    private readonly IntBuffer _indices = new(); // dictionary indices, or 0/1 for booleans
    private readonly ByteBuffer _plain = new(4096);
    private readonly ByteBuffer _body = new(4096);
    private readonly ByteBuffer _header = new(64);
    private int _pageEntries;
    private int _pageRows;
    private long _pagePlainBytes;

    private readonly Dictionary<long, int> _fixedDictionary = [];
    private readonly List<long> _fixedEntries = [];
    private readonly Dictionary<byte[], int> _bytesDictionary = new(ByteArrayComparer.Instance);
    private readonly Dictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> _bytesLookup;
    private readonly List<byte[]> _bytesEntries = [];
    private readonly ByteBuffer _dictionaryPlain = new(4096);
    private bool _dictionaryMode;
    private bool _dictionaryEvaluated;
    private bool _dictionaryUsed;

    private readonly List<byte[]> _pages = [];
    private long _pagesCompressedBytes;
    private long _pagesUncompressedBytes;
    private long _chunkEntries;
    private readonly ColumnStatistics _statistics;

    public ColumnChunkWriter(LeafNode leaf, ParquetWriterSettings settings)
    {
        _leaf = leaf;
        _settings = settings;
        _type = leaf.PhysicalType;
        _maxDefinition = leaf.DefinitionLevel;
        _maxRepetition = leaf.RepetitionLevel;
        _dictionaryAllowed = settings.EnableDictionary && _type != PhysicalType.Boolean;
        _dictionaryMode = _dictionaryAllowed;
        _bytesLookup = _bytesDictionary.GetAlternateLookup<ReadOnlySpan<byte>>();
        _statistics = new ColumnStatistics(_type, signedBytes: _type == PhysicalType.FixedLenByteArray);
    }

    /// <summary>What the chunk holds so far, encoded: a row group is closed when the sum over its columns reaches the block size.</summary>
    public long EstimatedBytes => _pagesCompressedBytes + EstimatedPageBytes() + (_dictionaryMode || _dictionaryUsed ? _dictionaryPlain.Length : 0);

    public void Add(in LeafValue value, ReadOnlySpan<byte> recordBytes)
    {
        if (_maxRepetition > 0)
        {
            _repetitions.Add(value.Repetition);
        }

        if (_maxDefinition > 0)
        {
            _definitions.Add(value.Definition);
        }

        _pageEntries++;
        if (value.Repetition == 0)
        {
            _pageRows++;
        }

        if (value.Definition < _maxDefinition)
        {
            _statistics.NullCount++;
            return;
        }

        if (_type == PhysicalType.Boolean)
        {
            _indices.Add((int)value.Bits);
            _statistics.UpdateFixed(value.Bits);
            return;
        }

        bool isBytes = _type is PhysicalType.ByteArray or PhysicalType.FixedLenByteArray;
        ReadOnlySpan<byte> bytes = isBytes ? recordBytes.Slice(value.Offset, value.Length) : default;
        if (_dictionaryMode)
        {
            AddToDictionary(value.Bits, bytes, isBytes);
        }
        else
        {
            AppendPlain(_plain, value.Bits, bytes);
            if (isBytes)
            {
                _statistics.UpdateBytes(bytes);
            }
            else
            {
                _statistics.UpdateFixed(value.Bits);
            }
        }
    }

    /// <summary>Called between records: closes the open page when it is full.</summary>
    public void EndRecord()
    {
        if (_pageEntries > 0 && (_pageRows >= _settings.PageRowLimit || EstimatedPageBytes() >= _settings.PageSizeBytes))
        {
            CutPage();
        }
    }

    /// <summary>
    /// Writes the chunk at <paramref name="offset"/> of the file (the dictionary page first), returns its metadata and
    /// starts an empty chunk for the next row group.
    /// </summary>
    public ColumnChunkMetadata WriteChunk(Stream output, long offset)
    {
        if (_pageEntries > 0)
        {
            CutPage();
        }

        long position = offset;
        long? dictionaryOffset = null;
        long compressedTotal = _pagesCompressedBytes;
        long uncompressedTotal = _pagesUncompressedBytes;
        if (_dictionaryUsed)
        {
            int entries = IsBytes ? _bytesEntries.Count : _fixedEntries.Count;
            byte[] compressed = PageCompressor.Compress(_settings.Compression, _dictionaryPlain);
            WritePageHeader(PageType.DictionaryPage, _dictionaryPlain.Length, compressed.Length, entries, PageEncoding.Plain);
            output.Write(_header.WrittenSpan);
            output.Write(compressed);
            dictionaryOffset = position;
            position += _header.Length + compressed.Length;
            compressedTotal += _header.Length + compressed.Length;
            uncompressedTotal += _header.Length + _dictionaryPlain.Length;
        }

        long dataOffset = position;
        foreach (byte[] page in _pages)
        {
            output.Write(page);
        }

        var encodings = new List<int> { (int)PageEncoding.Plain };
        if (_maxDefinition > 0 || _maxRepetition > 0)
        {
            encodings.Add((int)PageEncoding.Rle);
        }

        if (_dictionaryUsed)
        {
            encodings.Add((int)PageEncoding.RleDictionary);
        }

        return new ColumnChunkMetadata(_leaf, encodings, _chunkEntries, uncompressedTotal, compressedTotal, dataOffset, dictionaryOffset, _statistics.Serialize());
    }

    /// <summary>Forgets the written chunk (after its metadata was serialized) so the next row group starts afresh.</summary>
    public void Reset()
    {
        _pages.Clear();
        _pagesCompressedBytes = 0;
        _pagesUncompressedBytes = 0;
        _chunkEntries = 0;
        _statistics.Reset();
        _fixedDictionary.Clear();
        _fixedEntries.Clear();
        _bytesDictionary.Clear();
        _bytesEntries.Clear();
        _dictionaryPlain.Clear();
        _dictionaryMode = _dictionaryAllowed;
        _dictionaryEvaluated = false;
        _dictionaryUsed = false;
    }

    public void Dispose()
    {
        _repetitions.Dispose();
        _definitions.Dispose();
        _indices.Dispose();
        _plain.Dispose();
        _body.Dispose();
        _header.Dispose();
        _dictionaryPlain.Dispose();
        _statistics.Dispose();
    }

    private bool IsBytes => _type is PhysicalType.ByteArray or PhysicalType.FixedLenByteArray;

    private int DictionaryCount => IsBytes ? _bytesEntries.Count : _fixedEntries.Count;

    private int IndexBitWidth => Math.Max(1, RleBitPackedHybrid.BitWidth(DictionaryCount - 1));

    private long EstimatedPageBytes() => _type == PhysicalType.Boolean
        ? _indices.Count / 8
        : _dictionaryMode ? ((long)_indices.Count * IndexBitWidth / 8) : _plain.Length;

    private void AddToDictionary(long bits, ReadOnlySpan<byte> bytes, bool isBytes)
    {
        int index;
        bool added = false;
        if (isBytes)
        {
            if (!_bytesLookup.TryGetValue(bytes, out index))
            {
                index = _bytesEntries.Count;
                byte[] key = bytes.ToArray();
                _bytesDictionary.Add(key, index);
                _bytesEntries.Add(key);
                _statistics.UpdateBytes(bytes);
                added = true;
            }

            _pagePlainBytes += _type == PhysicalType.ByteArray ? 4 + bytes.Length : bytes.Length;
        }
        else
        {
            if (!_fixedDictionary.TryGetValue(bits, out index))
            {
                index = _fixedEntries.Count;
                _fixedDictionary.Add(bits, index);
                _fixedEntries.Add(bits);
                _statistics.UpdateFixed(bits);
                added = true;
            }

            _pagePlainBytes += FixedWidth;
        }

        _indices.Add(index);
        if (added)
        {
            AppendPlain(_dictionaryPlain, bits, bytes);
            if (_dictionaryPlain.Length > _settings.DictionaryPageSizeLimitBytes)
            {
                FallBackToPlain();
            }
        }
    }

    private int FixedWidth => _type is PhysicalType.Int32 or PhysicalType.Float ? 4 : 8;

    private void FallBackToPlain()
    {
        foreach (int index in _indices.Span)
        {
            if (IsBytes)
            {
                AppendPlain(_plain, 0, _bytesEntries[index]);
            }
            else
            {
                AppendPlain(_plain, _fixedEntries[index], default);
            }
        }

        _indices.Clear();
        _dictionaryMode = false;
        if (!_dictionaryUsed)
        {
            // No page refers to it: drop it, so no dictionary page is written.
            _fixedDictionary.Clear();
            _fixedEntries.Clear();
            _bytesDictionary.Clear();
            _bytesEntries.Clear();
            _dictionaryPlain.Clear();
        }
    }

    private void AppendPlain(ByteBuffer target, long bits, ReadOnlySpan<byte> bytes)
    {
        switch (_type)
        {
            case PhysicalType.Int32 or PhysicalType.Float:
                target.WriteInt32((int)bits);
                break;
            case PhysicalType.Int64 or PhysicalType.Double:
                target.WriteInt64(bits);
                break;
            case PhysicalType.ByteArray:
                target.WriteInt32(bytes.Length);
                target.Write(bytes);
                break;
            case PhysicalType.FixedLenByteArray:
                target.Write(bytes);
                break;
            default:
                throw new InvalidOperationException($"Plain values of {_type} are bit-packed, not appended.");
        }
    }

    private void CutPage()
    {
        if (_dictionaryMode && !_dictionaryEvaluated)
        {
            _dictionaryEvaluated = true;
            long dictionaryEncoded = _dictionaryPlain.Length + (((long)_indices.Count * IndexBitWidth) + 7) / 8;
            if (dictionaryEncoded >= _pagePlainBytes)
            {
                FallBackToPlain();
            }
        }

        _body.Clear();
        if (_maxRepetition > 0)
        {
            WriteLevels(_repetitions.Span, _maxRepetition);
        }

        if (_maxDefinition > 0)
        {
            WriteLevels(_definitions.Span, _maxDefinition);
        }

        PageEncoding encoding;
        if (_type == PhysicalType.Boolean)
        {
            WriteBooleans(_indices.Span);
            encoding = PageEncoding.Plain;
        }
        else if (_dictionaryMode)
        {
            int bitWidth = IndexBitWidth;
            _body.WriteByte((byte)bitWidth);
            RleBitPackedHybrid.Encode(_indices.Span, bitWidth, _body);
            encoding = PageEncoding.RleDictionary;
            _dictionaryUsed = true;
        }
        else
        {
            _body.Write(_plain.WrittenSpan);
            encoding = PageEncoding.Plain;
        }

        byte[] compressed = PageCompressor.Compress(_settings.Compression, _body);
        WritePageHeader(PageType.DataPage, _body.Length, compressed.Length, _pageEntries, encoding);
        byte[] page = new byte[_header.Length + compressed.Length];
        _header.WrittenSpan.CopyTo(page);
        compressed.CopyTo(page.AsSpan(_header.Length));
        _pages.Add(page);
        _pagesCompressedBytes += page.Length;
        _pagesUncompressedBytes += _header.Length + _body.Length;
        _chunkEntries += _pageEntries;

        _repetitions.Clear();
        _definitions.Clear();
        _indices.Clear();
        _plain.Clear();
        _pageEntries = 0;
        _pageRows = 0;
        _pagePlainBytes = 0;
    }

    private void WriteLevels(ReadOnlySpan<int> levels, int maxLevel)
    {
        // Data page v1: each level stream is prefixed by its byte length.
        int lengthAt = _body.Length;
        _body.WriteInt32(0);
        RleBitPackedHybrid.Encode(levels, RleBitPackedHybrid.BitWidth(maxLevel), _body);
        int length = _body.Length - lengthAt - 4;
        _body.Truncate(lengthAt);
        _body.WriteInt32(length);
        _body.Advance(length);
    }

    private void WriteBooleans(ReadOnlySpan<int> values)
    {
        int bytes = (values.Length + 7) / 8;
        Span<byte> target = _body.GetSpan(bytes)[..bytes];
        target.Clear();
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] != 0)
            {
                target[i >> 3] |= (byte)(1 << (i & 7));
            }
        }

        _body.Advance(bytes);
    }

    private void WritePageHeader(PageType pageType, int uncompressed, int compressed, int values, PageEncoding encoding)
    {
        _header.Clear();
        var thrift = new ThriftCompactWriter(_header);
        thrift.BeginStruct();
        thrift.FieldI32(1, (int)pageType);
        thrift.FieldI32(2, uncompressed);
        thrift.FieldI32(3, compressed);
        if (pageType == PageType.DataPage)
        {
            thrift.FieldStructBegin(5);
            thrift.FieldI32(1, values);
            thrift.FieldI32(2, (int)encoding);
            thrift.FieldI32(3, (int)PageEncoding.Rle);
            thrift.FieldI32(4, (int)PageEncoding.Rle);
            thrift.EndStruct();
        }
        else
        {
            thrift.FieldStructBegin(7);
            thrift.FieldI32(1, values);
            thrift.FieldI32(2, (int)encoding);
            thrift.EndStruct();
        }

        thrift.EndStruct();
    }
}
