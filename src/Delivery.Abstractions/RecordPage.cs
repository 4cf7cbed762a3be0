using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Delivery.Pages;

namespace Delivery;

/// <summary>
/// The records of one GetRecords call for one shard, handed from the reader to the pipeline as a unit: work moves in
/// pages, never one record at a time. A page owns one block of native memory holding every record's data, sequence
/// number and partition key (see <see cref="PageMemory"/>), and a second block describing the records; its records are
/// views into it (<see cref="SourceRecord"/>), so a record costs no object of its own.
/// </summary>
/// <remarks>
/// <para>
/// <b>Ownership.</b> A page is counted: it starts with one reference, held by whoever built it. Every holder of records
/// of the page (the shard's buffer while it holds some, each batch cut from it) takes a reference with
/// <see cref="Retain"/> and gives it back with <see cref="Release"/> exactly once. When the last reference goes, the
/// page's memory returns to the pool, the bytes it was charged go back to its <see cref="IMemoryAccount"/>, and every
/// record of it becomes unusable: reading one afterwards throws <see cref="ObjectDisposedException"/> rather than
/// returning another page's bytes. Handing a page to <see cref="IShardSession.AppendAsync"/> hands over the builder's
/// reference with it.
/// </para>
/// <para>
/// A page built with <see cref="RecordPage(string, IReadOnlyList{SourceRecord}, long)"/> copies the records into native
/// memory; one built by <see cref="Rent"/> is filled in place (the Kinesis reader decodes GetRecords straight into it).
/// </para>
/// </remarks>
public sealed unsafe class RecordPage
{
    private const int ObjectOverheadBytes = 256;
    private static readonly int EntrySize = sizeof(PageEntry);

    // Native blocks (pooled pages) or managed arrays (a single record built on the heap).
    private nint _bytes;
    private int _byteCapacity;
    private int _byteCount;
    private nint _entries;
    private int _entryCapacity;
    private byte[]? _heapBytes;
    private PageEntry[]? _heapEntries;
    private int _count;
    private int _references = 1;
    private int _generation;
    private bool _sealed;
    private PageMemoryManager? _memory;
    private Memory<byte> _wholeMemory;
    private IMemoryAccount? _account;
    private IReadOnlyList<SourceRecord>? _records;

    private RecordPage(string shardId)
    {
        ArgumentNullException.ThrowIfNull(shardId);
        ShardId = shardId;
    }

    /// <summary>A page holding copies of <paramref name="records"/>, in this order, with one reference (the caller's).</summary>
    public RecordPage(string shardId, IReadOnlyList<SourceRecord> records, long millisBehindLatest)
        : this(shardId)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            // An empty page (a read that found nothing) holds no memory and is never returned; readers share one.
            MillisBehindLatest = millisBehindLatest;
            _sealed = true;
            return;
        }

        long bytes = 0;
        foreach (SourceRecord record in records)
        {
            bytes += record.Data.Length + record.SequenceNumberUtf8.Length + record.PartitionKeyUtf8.Length;
        }

        AllocateNative((int)Math.Min(int.MaxValue, bytes), records.Count);
        foreach (SourceRecord record in records)
        {
            int data = AppendBytes(record.Data.Span);
            int sequence = AppendBytes(record.SequenceNumberUtf8);
            int key = AppendBytes(record.PartitionKeyUtf8);
            AddRecord(data, record.Data.Length, sequence, record.SequenceNumberUtf8.Length, record.SubSequenceNumber, key, record.PartitionKeyUtf8.Length, record.ApproximateArrivalTimestamp.UtcTicks);
        }

        Seal(millisBehindLatest);
    }

    public string ShardId { get; }

    /// <summary>How far the shard's reader is behind the tip of the stream after this page.</summary>
    public long MillisBehindLatest { get; private set; }

    /// <summary>The records, in shard order; views valid while the page is held.</summary>
    public IReadOnlyList<SourceRecord> Records => _records ??= new PageRecords(this);

    /// <summary>Number of records.</summary>
    public int Count => _count;

    /// <summary>The sum of the records' data lengths.</summary>
    public long DataBytes { get; private set; }

    /// <summary>
    /// What holding the page costs the memory budget: its blocks as allocated (data, sequence numbers, partition keys
    /// and the record table) and the page object. Fixed once the page is sealed.
    /// </summary>
    public long MemoryBytes { get; private set; }

    /// <summary>True until the last reference is released.</summary>
    public bool IsAlive => Volatile.Read(ref _references) > 0;

    /// <summary>
    /// A page to fill in place: room for about <paramref name="byteCapacity"/> bytes of data, sequence numbers and
    /// partition keys and <paramref name="recordCapacity"/> records (both grow when needed). Call <see cref="Seal"/>
    /// before handing it on.
    /// </summary>
    public static RecordPage Rent(string shardId, int byteCapacity, int recordCapacity)
    {
        var page = new RecordPage(shardId);
        page.AllocateNative(byteCapacity, recordCapacity);
        return page;
    }

    /// <summary>Room for <paramref name="length"/> more bytes; returns where they start. The span is valid until the next append.</summary>
    public Span<byte> AppendBytes(int length, out int offset)
    {
        ThrowIfSealed();
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        EnsureBytes(length);
        offset = _byteCount;
        _byteCount += length;
        return new Span<byte>((byte*)_bytes + offset, length);
    }

    /// <summary>Copies <paramref name="bytes"/> into the page; returns where they start.</summary>
    public int AppendBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(AppendBytes(bytes.Length, out int offset));
        return offset;
    }

    /// <summary>Gives back the last <paramref name="length"/> bytes appended (a value that turned out not to be needed).</summary>
    public void TrimBytes(int length)
    {
        ThrowIfSealed();
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _byteCount);
        _byteCount -= length;
    }

    /// <summary>Bytes appended so far, for a builder that reads back what it wrote (KPL de-aggregation).</summary>
    public ReadOnlySpan<byte> WrittenBytes(int offset, int length)
    {
        ThrowIfSealed();
        if ((uint)offset > (uint)_byteCount || (uint)length > (uint)(_byteCount - offset))
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        return new ReadOnlySpan<byte>((byte*)_bytes + offset, length);
    }

    /// <summary>Adds a record whose data, sequence number (ASCII digits) and partition key (UTF-8) are already in the page.</summary>
    public void AddRecord(int dataOffset, int dataLength, int sequenceOffset, int sequenceLength, long subSequenceNumber, int keyOffset, int keyLength, long arrivalTicks)
    {
        ThrowIfSealed();
        CheckRange(dataOffset, dataLength);
        CheckRange(sequenceOffset, sequenceLength);
        CheckRange(keyOffset, keyLength);
        if (_count == _entryCapacity)
        {
            GrowEntries(_count + 1);
        }

        ((PageEntry*)_entries)[_count++] = new PageEntry
        {
            DataOffset = dataOffset,
            DataLength = dataLength,
            SequenceOffset = sequenceOffset,
            SequenceLength = sequenceLength,
            KeyOffset = keyOffset,
            KeyLength = keyLength,
            SubSequenceNumber = subSequenceNumber,
            ArrivalTicks = arrivalTicks,
        };
    }

    /// <summary>Ends filling: the records become readable and the page's cost is fixed.</summary>
    public void Seal(long millisBehindLatest)
    {
        ThrowIfSealed();
        MillisBehindLatest = millisBehindLatest;
        long data = 0;
        for (int i = 0; i < _count; i++)
        {
            data += EntryAt(i).DataLength;
        }

        DataBytes = data;
        MemoryBytes = ObjectOverheadBytes + (long)_byteCapacity + ((long)_entryCapacity * EntrySize);
        _memory = new PageMemoryManager(this);
        _wholeMemory = _memory.Memory;
        _sealed = true;
    }

    /// <summary>
    /// Charges the page to <paramref name="account"/>: when its last reference goes, <see cref="MemoryBytes"/> is given
    /// back to it. At most one account per page.
    /// </summary>
    public void ChargeTo(IMemoryAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (Interlocked.CompareExchange(ref _account, account, null) is not null)
        {
            throw new InvalidOperationException($"A page of shard {ShardId} is charged to a memory account already.");
        }
    }

    /// <summary>
    /// When <paramref name="memory"/> is bytes of a page, takes a reference on that page (to be released by the caller)
    /// and returns it: whoever lends the bytes on keeps the page from being returned under the borrower.
    /// </summary>
    public static RecordPage? RetainOwner(ReadOnlyMemory<byte> memory)
    {
        if (!MemoryMarshal.TryGetMemoryManager(memory, out PageMemoryManager? manager))
        {
            return null;
        }

        manager.Page.Retain();
        return manager.Page;
    }

    /// <summary>True when <paramref name="memory"/> is bytes of a page (not a copy a processor made).</summary>
    public static bool IsPageMemory(ReadOnlyMemory<byte> memory) => MemoryMarshal.TryGetMemoryManager(memory, out PageMemoryManager? _);

    /// <summary>Takes another reference: the page stays until it is released too.</summary>
    public void Retain()
    {
        if (IsEmptyAndBlockless)
        {
            return;
        }

        while (true)
        {
            int references = Volatile.Read(ref _references);
            if (references <= 0)
            {
                throw new ObjectDisposedException(nameof(RecordPage), $"A page of shard {ShardId} was retained after it was returned.");
            }

            if (Interlocked.CompareExchange(ref _references, references + 1, references) == references)
            {
                return;
            }
        }
    }

    /// <summary>Gives a reference back; the last one returns the page's memory and its charge.</summary>
    public void Release()
    {
        if (IsEmptyAndBlockless)
        {
            return;
        }

        int references = Interlocked.Decrement(ref _references);
        if (references > 0)
        {
            return;
        }

        if (references < 0)
        {
            throw new InvalidOperationException($"A page of shard {ShardId} was released more often than it was held.");
        }

        Interlocked.Increment(ref _generation);
        if (_bytes != 0)
        {
            PageMemory.Return(_bytes, _byteCapacity);
            PageMemory.Return(_entries, _entryCapacity * EntrySize);
            _bytes = 0;
            _entries = 0;
        }

        _account?.Release(MemoryBytes);
    }

    /// <summary>A heap page for one record built outside any page (tests, plugins' helpers); never returned.</summary>
    internal static RecordPage ForSingleRecord(ShardPosition position, string partitionKey, DateTimeOffset arrival)
    {
        ArgumentNullException.ThrowIfNull(position.SequenceNumber);
        ArgumentNullException.ThrowIfNull(partitionKey);
        var page = new RecordPage(string.Empty);
        int sequenceLength = Encoding.UTF8.GetByteCount(position.SequenceNumber);
        int keyLength = Encoding.UTF8.GetByteCount(partitionKey);
        page._heapBytes = new byte[sequenceLength + keyLength];
        Encoding.UTF8.GetBytes(position.SequenceNumber, page._heapBytes);
        Encoding.UTF8.GetBytes(partitionKey, page._heapBytes.AsSpan(sequenceLength));
        page._heapEntries =
        [
            new PageEntry
            {
                DataOffset = -1,
                SequenceOffset = 0,
                SequenceLength = sequenceLength,
                KeyOffset = sequenceLength,
                KeyLength = keyLength,
                SubSequenceNumber = position.SubSequenceNumber,
                ArrivalTicks = arrival.UtcTicks,
            },
        ];
        page._count = 1;
        page._sealed = true;
        return page;
    }

    internal int Generation => Volatile.Read(ref _generation);

    private bool IsEmptyAndBlockless => _count == 0 && _entryCapacity == 0 && _heapEntries is null;

    /// <summary>The data length of the record at <paramref name="index"/> (no view made).</summary>
    public int DataLengthAt(int index)
    {
        CheckIndex(index);
        CheckHeld();
        return EntryAt(index).DataLength;
    }

    /// <summary>The earliest arrival among <paramref name="count"/> records from <paramref name="start"/>.</summary>
    public DateTimeOffset OldestArrival(int start, int count) => new(OldestArrivalTicksOf(start, count), TimeSpan.Zero);

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)_count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The page has {_count} records.");
        }
    }

    /// <summary>The record at <paramref name="index"/>, as a view.</summary>
    internal SourceRecord RecordAt(int index)
    {
        CheckIndex(index);
        CheckHeld();
        int generation = Generation;
        PageEntry entry = EntryAt(index);
        return new SourceRecord(this, index, generation, _wholeMemory.Slice(entry.DataOffset, entry.DataLength));
    }

    /// <summary>The sum of the data lengths of records <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/>.</summary>
    internal long DataBytesOf(int start, int count)
    {
        CheckSegment(start, count);
        long bytes = 0;
        for (int i = start; i < start + count; i++)
        {
            bytes += EntryAt(i).DataLength;
        }

        return bytes;
    }

    /// <summary>The earliest arrival among records <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/>, in ticks.</summary>
    internal long OldestArrivalTicksOf(int start, int count)
    {
        CheckSegment(start, count);
        long oldest = long.MaxValue;
        for (int i = start; i < start + count; i++)
        {
            oldest = Math.Min(oldest, EntryAt(i).ArrivalTicks);
        }

        return oldest;
    }

    internal ReadOnlySpan<byte> SequenceNumberOf(int index, int generation)
    {
        PageEntry entry = CheckedEntry(index, generation);
        return ByteSpan(entry.SequenceOffset, entry.SequenceLength);
    }

    internal ReadOnlySpan<byte> PartitionKeyOf(int index, int generation)
    {
        PageEntry entry = CheckedEntry(index, generation);
        return ByteSpan(entry.KeyOffset, entry.KeyLength);
    }

    internal long SubSequenceNumberOf(int index, int generation) => CheckedEntry(index, generation).SubSequenceNumber;

    internal long ArrivalTicksOf(int index, int generation) => CheckedEntry(index, generation).ArrivalTicks;

    /// <summary>
    /// The page's byte block and record table, for a reader that holds a reference to the page and reads many of its
    /// records in a row (a formatter): false for a page whose records keep their data apart (a single heap record).
    /// </summary>
    internal bool TryGetBlock(out ReadOnlySpan<byte> bytes, out ReadOnlySpan<PageEntry> entries)
    {
        CheckHeld();
        if (_heapEntries is not null || _bytes == 0)
        {
            bytes = default;
            entries = default;
            return false;
        }

        bytes = new ReadOnlySpan<byte>((void*)_bytes, _byteCount);
        entries = new ReadOnlySpan<PageEntry>((void*)_entries, _count);
        return true;
    }

    /// <summary>The native bytes, for the memory manager of the page's record views.</summary>
    internal Span<byte> NativeSpan(int generation)
    {
        CheckAlive(generation);
        return new Span<byte>((void*)_bytes, _byteCount);
    }

    private PageEntry CheckedEntry(int index, int generation)
    {
        CheckAlive(generation);
        return EntryAt(index);
    }

    private PageEntry EntryAt(int index) => _heapEntries is { } heap ? heap[index] : ((PageEntry*)_entries)[index];

    private ReadOnlySpan<byte> ByteSpan(int offset, int length) =>
        _heapBytes is { } heap ? heap.AsSpan(offset, length) : new ReadOnlySpan<byte>((byte*)_bytes + offset, length);

    private void CheckAlive(int generation)
    {
        if (generation != Volatile.Read(ref _generation))
        {
            throw new ObjectDisposedException(nameof(RecordPage), $"A record of shard {ShardId} was used after its page was returned.");
        }
    }

    private void CheckSegment(int start, int count)
    {
        CheckHeld();
        if (start < 0 || count < 0 || start > _count - count)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Records {start}..{start + count} are not in the page ({_count} records).");
        }
    }

    /// <summary>Throws when the page has been returned: its memory belongs to another page, or to nobody, now.</summary>
    private void CheckHeld()
    {
        if (Volatile.Read(ref _references) <= 0 && !IsEmptyAndBlockless)
        {
            throw new ObjectDisposedException(nameof(RecordPage), $"A page of shard {ShardId} was read after it was returned.");
        }
    }

    private void CheckRange(int offset, int length)
    {
        if (offset < 0 || length < 0 || offset > _byteCount - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"Bytes {offset}..{offset + length} are not in the page ({_byteCount} bytes written).");
        }
    }

    private void ThrowIfSealed()
    {
        if (_sealed)
        {
            throw new InvalidOperationException("The page is sealed: its records can be read, no longer added.");
        }
    }

    private void AllocateNative(int byteCapacity, int recordCapacity)
    {
        (_bytes, _byteCapacity) = PageMemory.Rent(Math.Max(byteCapacity, 1));
        (_entries, int entryBytes) = PageMemory.Rent(Math.Max(recordCapacity, 1) * EntrySize);
        _entryCapacity = entryBytes / EntrySize;
    }

    private void EnsureBytes(int more)
    {
        long needed = (long)_byteCount + more;
        if (needed <= _byteCapacity)
        {
            return;
        }

        (nint larger, int capacity) = PageMemory.Rent((int)Math.Min(Array.MaxLength, Math.Max(needed, (long)_byteCapacity * 2)));
        new ReadOnlySpan<byte>((void*)_bytes, _byteCount).CopyTo(new Span<byte>((void*)larger, capacity));
        PageMemory.Return(_bytes, _byteCapacity);
        (_bytes, _byteCapacity) = (larger, capacity);
    }

    private void GrowEntries(int needed)
    {
        (nint larger, int bytes) = PageMemory.Rent(Math.Max(needed, _entryCapacity * 2) * EntrySize);
        new ReadOnlySpan<PageEntry>((void*)_entries, _count).CopyTo(new Span<PageEntry>((void*)larger, bytes / EntrySize));
        PageMemory.Return(_entries, _entryCapacity * EntrySize);
        (_entries, _entryCapacity) = (larger, bytes / EntrySize);
    }

    /// <summary>
    /// Hands out the page's bytes as <see cref="Memory{T}"/> without copying; once the page is returned, reading through
    /// it throws instead of reading memory that now belongs to another page.
    /// </summary>
    private sealed class PageMemoryManager(RecordPage page) : MemoryManager<byte>
    {
        private readonly int _generation = page.Generation;

        public RecordPage Page => page;

        public override Span<byte> GetSpan() => page.NativeSpan(_generation);

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            // Native memory never moves: pinning only checks that the page is still held.
            page.CheckAlive(_generation);
            return new MemoryHandle((byte*)page._bytes + elementIndex);
        }

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }

    private sealed class PageRecords(RecordPage page) : IReadOnlyList<SourceRecord>
    {
        public int Count => page._count;

        public SourceRecord this[int index] => page.RecordAt(index);

        public IEnumerator<SourceRecord> GetEnumerator()
        {
            for (int i = 0; i < page._count; i++)
            {
                yield return page.RecordAt(i);
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
