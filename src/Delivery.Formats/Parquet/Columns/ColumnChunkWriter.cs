using System.Numerics;
using Delivery.Formats.Parquet.Encodings;
using Delivery.Formats.Parquet.Schema;
using Delivery.Formats.Parquet.Thrift;

namespace Delivery.Formats.Parquet.Columns;

/// <summary>
/// Builds the column chunk of one leaf for the current row group: levels and values go into the open data page, pages
/// are encoded and compressed as they fill into one pooled buffer, and <see cref="WriteChunk"/> writes the dictionary
/// page (if any page used it) followed by the data pages. Nothing is allocated per value or per page.
/// </summary>
/// <remarks>
/// Values are dictionary-encoded while that pays. The dictionary is given up for the rest of the row group when it
/// outgrows <see cref="ParquetWriterSettings.DictionaryPageSizeLimitBytes"/>, when the first page shows that dictionary
/// plus indices would not be smaller than plain values (long free text), or earlier in the first page: after
/// <see cref="DistinctCheckValues"/> values when nearly every one was new (ids, hashes, timestamps), after
/// <see cref="RatioCheckValues"/> when the dictionary is already a tenth larger than plain values. For such a column the
/// first page's verdict is foregone, and reaching it later only costs time (dictionary lookups were a fifth of the
/// encoder's time on the benchmark's records). Pages already written keep their dictionary encoding; the open page is
/// re-encoded plain.
/// </remarks>
internal sealed class ColumnChunkWriter : IDisposable
{
    /// <summary>Values of the first page after which a column of nearly all distinct values drops its dictionary.</summary>
    public const int DistinctCheckValues = 1024;

    /// <summary>Values of the first page after which a column whose dictionary is clearly larger drops it.</summary>
    public const int RatioCheckValues = 4096;

    // The open page's encoded size is compared with the page size every this many entries (a power of two).
    private const int SizeCheckEntries = 32;

    // A data page header is at most 45 bytes: seven i32 fields of a field byte and a 5-byte varint each, a struct's
    // field byte and two stop bytes.
    private const int MaxPageHeaderBytes = 48;

    private readonly LeafNode _leaf;
    private readonly ParquetWriterSettings _settings;
    private readonly PhysicalType _type;
    private readonly int _maxDefinition;
    private readonly int _maxRepetition;
    private readonly bool _isBytes;
    private readonly int _fixedWidth;
    private readonly bool _dictionaryAllowed;
    private readonly int _pageRowLimit;
    private readonly int _pageSizeLimit;

    private readonly BufferSizeHints _hints;
    private readonly int _leafIndex;

    // Mutable structs: never readonly, never copied.
    private IntBuffer _repetitions;
    private IntBuffer _definitions;
    private IntBuffer _indices; // dictionary indices, or 0/1 for booleans

    // Definition levels at the maximum before the page's first lower one are counted here, not stored: most columns
    // never see a null, and their page's levels are then one run, written without a value per entry.
    private int _leadingDefined;
    private readonly ByteBuffer _plain;
    private readonly ByteBuffer _body;
    private readonly ByteBuffer _compressed = new(4096);
    private readonly ByteBuffer _header = new(64);
    private int _pageEntries;
    private int _pageRows;
    private int _pageValues;
    private long _pagePlainBytes;
    private bool _fullReported;

    private readonly BytesDictionary? _bytesDictionary;
    private readonly FixedDictionary? _fixedDictionary;
    private readonly ByteBuffer _fixedPlain = new(1024); // the fixed-width dictionary's PLAIN page body
    private bool _dictionaryMode;
    private bool _dictionaryEvaluated;
    private bool _dictionaryUsed;

    // The chunk's data pages, each header and compressed body. A body is compressed straight into this buffer after a
    // gap of MaxPageHeaderBytes, and its header written at the end of the gap, so the body is never copied; the gaps
    // are skipped when the chunk is written (_pageSpans: where each page starts, and its length).
    private readonly ByteBuffer _pages;
    private readonly List<(int Start, int Length)> _pageSpans = [];
    private long _pagesBytes;
    private long _pagesUncompressedBytes;
    private long _chunkEntries;
    private readonly ColumnStatistics _statistics;

    /// <param name="leaf">The column.</param>
    /// <param name="settings">The file's settings.</param>
    /// <param name="hints">Where the sizes its buffers reached are kept between files; read here, written by <see cref="Dispose"/>.</param>
    /// <param name="leafIndex">The column's position among the schema's leaves, its key in <paramref name="hints"/>.</param>
    public ColumnChunkWriter(LeafNode leaf, ParquetWriterSettings settings, BufferSizeHints hints, int leafIndex)
    {
        _leaf = leaf;
        _hints = hints;
        _leafIndex = leafIndex;
        _plain = new ByteBuffer(hints.Get(leafIndex, BufferSizeHints.BufferKind.Plain, 4096));
        _body = new ByteBuffer(hints.Get(leafIndex, BufferSizeHints.BufferKind.Body, 4096));
        _pages = new ByteBuffer(hints.Get(leafIndex, BufferSizeHints.BufferKind.Pages, 4096));
        _repetitions = new IntBuffer(hints.Get(leafIndex, BufferSizeHints.BufferKind.Repetitions, 1024));
        _definitions = new IntBuffer(hints.Get(leafIndex, BufferSizeHints.BufferKind.Definitions, 1024));
        _indices = new IntBuffer(hints.Get(leafIndex, BufferSizeHints.BufferKind.Indices, 1024));
        _settings = settings;
        _type = leaf.PhysicalType;
        _maxDefinition = leaf.DefinitionLevel;
        _maxRepetition = leaf.RepetitionLevel;
        _isBytes = _type is PhysicalType.ByteArray or PhysicalType.FixedLenByteArray;
        _fixedWidth = _type is PhysicalType.Int32 or PhysicalType.Float ? 4 : 8;
        _dictionaryAllowed = settings.EnableDictionary && _type != PhysicalType.Boolean;
        _pageRowLimit = settings.PageRowLimit;
        _pageSizeLimit = settings.PageSizeBytes;
        _dictionaryMode = _dictionaryAllowed;
        if (_dictionaryAllowed)
        {
            // Slot tables stay powers of two; a dictionary's byte size is bounded by DictionaryPageSizeLimitBytes.
            int slots = (int)BitOperations.RoundUpToPowerOf2((uint)hints.Get(leafIndex, BufferSizeHints.BufferKind.DictionarySlots, 1024));
            int entries = hints.Get(leafIndex, BufferSizeHints.BufferKind.DictionaryEntries, 512);
            _bytesDictionary = _isBytes ? new BytesDictionary(_type == PhysicalType.ByteArray, slots, entries, hints.Get(leafIndex, BufferSizeHints.BufferKind.DictionaryPlain, 4096)) : null;
            _fixedDictionary = _isBytes ? null : new FixedDictionary(slots, entries);
        }

        _statistics = new ColumnStatistics(_type, signedBytes: _type == PhysicalType.FixedLenByteArray);
    }

    /// <summary>What the chunk holds so far, encoded: a row group is closed when the sum over its columns reaches the block size.</summary>
    public long EstimatedBytes => _pagesBytes + EstimatedPageBytes() + (_dictionaryMode || _dictionaryUsed ? DictionaryPlain.Length : 0);

    private ByteBuffer DictionaryPlain => _bytesDictionary?.Plain ?? _fixedPlain;

    private int DictionaryCount => _bytesDictionary?.Count ?? _fixedDictionary?.Count ?? 0;

    /// <summary>
    /// Adds one entry. Returns true when the open page has just become full (by size or rows), once per page: the file
    /// closes it once the row ends, so that a row never spans pages.
    /// </summary>
    /// <param name="value">The entry: levels, and fixed-width values in its bits.</param>
    /// <param name="bytes">A byte-array entry's value.</param>
    public bool Add(in LeafValue value, ReadOnlySpan<byte> bytes)
    {
        if (_maxRepetition > 0)
        {
            _repetitions.Add(value.Repetition);
        }

        if (_maxDefinition > 0)
        {
            if (value.Definition == _maxDefinition && _definitions.Count == 0)
            {
                _leadingDefined++;
            }
            else
            {
                AddDefinition(value.Definition);
            }
        }

        _pageEntries++;
        bool rowLimit = false;
        if (value.Repetition == 0)
        {
            rowLimit = ++_pageRows >= _pageRowLimit;
        }

        if (value.Definition < _maxDefinition)
        {
            _statistics.NullCount++;
        }
        else if (_isBytes)
        {
            if (_dictionaryMode)
            {
                AddToDictionary(bytes);
            }
            else
            {
                AppendBytes(_plain, bytes);
                _statistics.UpdateBytes(bytes);
            }
        }
        else if (_type == PhysicalType.Boolean)
        {
            _indices.Add((int)value.Bits);
            _statistics.UpdateFixed(value.Bits);
        }
        else if (_dictionaryMode)
        {
            AddToDictionary(value.Bits);
        }
        else
        {
            AppendFixed(_plain, value.Bits);
            _statistics.UpdateFixed(value.Bits);
        }

        // The page's size is looked at every few entries, so it may run over by that many values.
        if (_fullReported || !(rowLimit || ((_pageEntries & (SizeCheckEntries - 1)) == 0 && EstimatedPageBytes() >= _pageSizeLimit)))
        {
            return false;
        }

        _fullReported = true;
        return true;
    }

    /// <summary>Closes the open page, if it holds anything.</summary>
    public void EndPage()
    {
        if (_pageEntries > 0)
        {
            CutPage();
        }
    }

    /// <summary>
    /// Writes the chunk at <paramref name="offset"/> of the file (the dictionary page first) and returns its metadata;
    /// <see cref="Reset"/> then starts an empty chunk for the next row group.
    /// </summary>
    public ColumnChunkMetadata WriteChunk(Stream output, long offset)
    {
        EndPage();
        long position = offset;
        long? dictionaryOffset = null;
        long compressedTotal = _pagesBytes;
        long uncompressedTotal = _pagesUncompressedBytes;
        if (_dictionaryUsed)
        {
            ByteBuffer plain = DictionaryPlain;
            _compressed.Clear();
            int compressed = PageCompressor.Compress(_settings.Compression, plain.WrittenSpan, _compressed);
            WritePageHeader(PageType.DictionaryPage, plain.Length, compressed, DictionaryCount, PageEncoding.Plain);
            output.Write(_header.WrittenSpan);
            output.Write(_compressed.WrittenSpan);
            dictionaryOffset = position;
            position += _header.Length + compressed;
            compressedTotal += _header.Length + compressed;
            uncompressedTotal += _header.Length + plain.Length;
        }

        long dataOffset = position;
        foreach ((int start, int length) in _pageSpans)
        {
            output.Write(_pages.WrittenSpan.Slice(start, length));
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
        _pageSpans.Clear();
        _pagesBytes = 0;
        _pagesUncompressedBytes = 0;
        _chunkEntries = 0;
        _statistics.Reset();
        ClearDictionary();
        _dictionaryMode = _dictionaryAllowed;
        _dictionaryEvaluated = false;
        _dictionaryUsed = false;
    }

    public void Dispose()
    {
        const int maxInts = BufferSizeHints.MaxHintBytes / sizeof(int);
        _hints.Set(_leafIndex, BufferSizeHints.BufferKind.Plain, _plain.Capacity, BufferSizeHints.MaxHintBytes);
        _hints.Set(_leafIndex, BufferSizeHints.BufferKind.Body, _body.Capacity, BufferSizeHints.MaxHintBytes);
        _hints.Set(_leafIndex, BufferSizeHints.BufferKind.Pages, _pages.Capacity, BufferSizeHints.MaxHintBytes);
        _hints.Set(_leafIndex, BufferSizeHints.BufferKind.Repetitions, _repetitions.Capacity, maxInts);
        _hints.Set(_leafIndex, BufferSizeHints.BufferKind.Definitions, _definitions.Capacity, maxInts);
        _hints.Set(_leafIndex, BufferSizeHints.BufferKind.Indices, _indices.Capacity, maxInts);
        if (_bytesDictionary is not null || _fixedDictionary is not null)
        {
            // Counted in slots and entries of up to 16 B (a fixed dictionary's slot), so that no hint asks for more
            // than MaxHintBytes up front.
            const int maxDictionaryItems = BufferSizeHints.MaxHintBytes / 16;
            _hints.Set(_leafIndex, BufferSizeHints.BufferKind.DictionarySlots, _bytesDictionary?.SlotCapacity ?? _fixedDictionary!.SlotCapacity, maxDictionaryItems);
            _hints.Set(_leafIndex, BufferSizeHints.BufferKind.DictionaryEntries, _bytesDictionary?.EntryCapacity ?? _fixedDictionary!.EntryCapacity, maxDictionaryItems);
            _hints.Set(_leafIndex, BufferSizeHints.BufferKind.DictionaryPlain, _bytesDictionary?.Plain.Capacity ?? 0, BufferSizeHints.MaxHintBytes);
        }
        _repetitions.Dispose();
        _definitions.Dispose();
        _indices.Dispose();
        _plain.Dispose();
        _body.Dispose();
        _compressed.Dispose();
        _header.Dispose();
        _fixedPlain.Dispose();
        _pages.Dispose();
        _bytesDictionary?.Dispose();
        _fixedDictionary?.Dispose();
        _statistics.Dispose();
    }

    private int IndexBitWidth => Math.Max(1, RleBitPackedHybrid.BitWidth(DictionaryCount - 1));

    private long EstimatedPageBytes() => _type == PhysicalType.Boolean
        ? _indices.Count / 8
        : _dictionaryMode ? ((long)_indices.Count * IndexBitWidth / 8) : _plain.Length;

    private void AddToDictionary(ReadOnlySpan<byte> bytes)
    {
        int index = _bytesDictionary!.GetOrAdd(bytes, out bool added);
        _indices.Add(index);
        _pagePlainBytes += _type == PhysicalType.ByteArray ? 4 + bytes.Length : bytes.Length;
        if (added)
        {
            _statistics.UpdateBytes(bytes);
        }

        AfterDictionaryAdd(added);
    }

    private void AddToDictionary(long bits)
    {
        int index = _fixedDictionary!.GetOrAdd(bits, out bool added);
        _indices.Add(index);
        _pagePlainBytes += _fixedWidth;
        if (added)
        {
            AppendFixed(_fixedPlain, bits);
            _statistics.UpdateFixed(bits);
        }

        AfterDictionaryAdd(added);
    }

    private void AfterDictionaryAdd(bool added)
    {
        _pageValues++;
        if (added && DictionaryPlain.Length > _settings.DictionaryPageSizeLimitBytes)
        {
            FallBackToPlain();
        }
        else if (!_dictionaryEvaluated && _pageValues is DistinctCheckValues or RatioCheckValues && DictionaryClearlyLoses())
        {
            _dictionaryEvaluated = true;
            FallBackToPlain();
        }
    }

    /// <summary>
    /// Early in the first page: nearly every value was new, or (from <see cref="RatioCheckValues"/> on) dictionary and
    /// indices take a tenth more than the values would plain. Repeats only become more frequent as a page fills, so a
    /// column this far behind at the start does not catch up: the first page's check would drop the dictionary too.
    /// </summary>
    private bool DictionaryClearlyLoses()
    {
        if (DictionaryCount >= _pageValues - (_pageValues / 64))
        {
            return true;
        }

        long dictionaryEncoded = DictionaryPlain.Length + ((((long)_indices.Count * IndexBitWidth) + 7) / 8);
        return _pageValues >= RatioCheckValues && dictionaryEncoded * 10 >= _pagePlainBytes * 11;
    }

    private void FallBackToPlain()
    {
        foreach (int index in _indices.Span)
        {
            if (_isBytes)
            {
                AppendBytes(_plain, _bytesDictionary![index]);
            }
            else
            {
                AppendFixed(_plain, _fixedDictionary![index]);
            }
        }

        _indices.Clear();
        _dictionaryMode = false;
        if (!_dictionaryUsed)
        {
            // No page refers to it: drop it, so no dictionary page is written.
            ClearDictionary();
        }
    }

    private void ClearDictionary()
    {
        _bytesDictionary?.Clear();
        _fixedDictionary?.Clear();
        _fixedPlain.Clear();
    }

    private void AppendFixed(ByteBuffer target, long bits)
    {
        if (_fixedWidth == 4)
        {
            target.WriteInt32((int)bits);
        }
        else
        {
            target.WriteInt64(bits);
        }
    }

    private void AppendBytes(ByteBuffer target, ReadOnlySpan<byte> bytes)
    {
        if (_type == PhysicalType.ByteArray)
        {
            target.WriteLengthPrefixed(bytes);
        }
        else
        {
            target.Write(bytes);
        }
    }

    private void CutPage()
    {
        if (_dictionaryMode && !_dictionaryEvaluated)
        {
            _dictionaryEvaluated = true;
            long dictionaryEncoded = DictionaryPlain.Length + ((((long)_indices.Count * IndexBitWidth) + 7) / 8);
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
            if (_definitions.Count == 0)
            {
                WriteLevelRun(_maxDefinition, _leadingDefined);
            }
            else
            {
                WriteLevels(_definitions.Span, _maxDefinition);
            }
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

        int gap = _pages.Length;
        _pages.GetSpan(MaxPageHeaderBytes);
        _pages.Advance(MaxPageHeaderBytes);
        int compressed = PageCompressor.Compress(_settings.Compression, _body.WrittenSpan, _pages);
        WritePageHeader(PageType.DataPage, _body.Length, compressed, _pageEntries, encoding);
        if (_header.Length > MaxPageHeaderBytes)
        {
            throw new InvalidOperationException($"A data page header of {_header.Length} bytes does not fit the {MaxPageHeaderBytes} bytes kept for it.");
        }

        int headerAt = gap + MaxPageHeaderBytes - _header.Length;
        _pages.Overwrite(headerAt, _header.WrittenSpan);
        _pageSpans.Add((headerAt, _header.Length + compressed));
        _pagesBytes += _header.Length + compressed;
        _pagesUncompressedBytes += _header.Length + _body.Length;
        _chunkEntries += _pageEntries;

        _repetitions.Clear();
        _definitions.Clear();
        _leadingDefined = 0;
        _indices.Clear();
        _plain.Clear();
        _pageEntries = 0;
        _pageRows = 0;
        _pageValues = 0;
        _pagePlainBytes = 0;
        _fullReported = false;
    }

    /// <summary>Stores the counted leading levels, then <paramref name="definition"/>: the page has seen a lower level.</summary>
    private void AddDefinition(int definition)
    {
        for (; _leadingDefined > 0; _leadingDefined--)
        {
            _definitions.Add(_maxDefinition);
        }

        _definitions.Add(definition);
    }

    /// <summary><paramref name="count"/> levels all equal to <paramref name="level"/>, as <see cref="WriteLevels"/> writes them.</summary>
    private void WriteLevelRun(int level, int count)
    {
        int lengthAt = _body.Length;
        _body.WriteInt32(0);
        RleBitPackedHybrid.EncodeRun(level, count, RleBitPackedHybrid.BitWidth(level), _body);
        int length = _body.Length - lengthAt - 4;
        _body.Truncate(lengthAt);
        _body.WriteInt32(length);
        _body.Advance(length);
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
