using System.Buffers;
using System.Runtime.InteropServices;

namespace Delivery.Transforms.Plugins;

/// <summary>
/// Lends record bytes to a plugin for one call without copying them. The plugin gets memory that reads through to the
/// record's bytes while the call lasts; once it is over (<see cref="Dispose"/>), reading that memory throws, so a plugin
/// that keeps a record's bytes past its call must copy them (<c>ToArray()</c>) and cannot read a page that has gone back
/// to the pool. Pages lent from stay held until the loan ends, even when the plugin runs on after its timeout.
/// </summary>
internal sealed class MemoryLoan : IDisposable
{
    private readonly Dictionary<object, Window> _windows = new(ReferenceEqualityComparer.Instance);
    private readonly List<RecordPage> _pages = [];
    private readonly Lock _gate = new();
    private bool _closed;
    private Window? _last;

    /// <summary>The plugin's view of <paramref name="memory"/>, valid until the loan ends.</summary>
    public ReadOnlyMemory<byte> Lend(ReadOnlyMemory<byte> memory)
    {
        if (memory.IsEmpty)
        {
            return memory;
        }

        (object owner, ReadOnlyMemory<byte> whole, int offset) = Underlying(memory);

        // Records come page after page: the window of the previous record is nearly always this one's too. One field,
        // read once, so threads lending at once never pair one buffer with another's window.
        if (Volatile.Read(ref _last) is { } last && ReferenceEquals(last.Owner, owner) && !Volatile.Read(ref _closed))
        {
            return last.Memory.Slice(offset, memory.Length);
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (!_windows.TryGetValue(owner, out Window? window))
            {
                if (RecordPage.RetainOwner(memory) is { } page)
                {
                    _pages.Add(page);
                }

                _windows[owner] = window = new Window(this, owner, whole);
            }

            Volatile.Write(ref _last, window);
            return window.Memory.Slice(offset, memory.Length);
        }
    }

    /// <summary>
    /// What the plugin returned, as memory valid beyond the call: a slice of bytes lent to it maps back to those bytes
    /// (they live as long as the batch); anything else is the plugin's own memory.
    /// </summary>
    public ReadOnlyMemory<byte> Reclaim(ReadOnlyMemory<byte> returned) =>
        MemoryMarshal.TryGetMemoryManager(returned, out Window? window, out int start, out int length) && window.Loan == this
            ? window.Lent.Slice(start, length)
            : returned;

    public void Dispose()
    {
        RecordPage[] pages;
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            pages = [.. _pages];
        }

        foreach (RecordPage page in pages)
        {
            page.Release();
        }
    }

    private static (object Owner, ReadOnlyMemory<byte> Whole, int Offset) Underlying(ReadOnlyMemory<byte> memory)
    {
        if (MemoryMarshal.TryGetArray(memory, out ArraySegment<byte> segment))
        {
            return (segment.Array!, segment.Array, segment.Offset);
        }

        if (MemoryMarshal.TryGetMemoryManager(memory, out MemoryManager<byte>? manager, out int start, out _))
        {
            return (manager, manager.Memory, start);
        }

        // Neither an array nor a manager (not something the pipeline makes): lend a copy.
        byte[] copy = memory.ToArray();
        return (copy, copy, 0);
    }

    /// <summary>A view of one buffer that works only while the loan lasts.</summary>
    private sealed class Window(MemoryLoan loan, object owner, ReadOnlyMemory<byte> lent) : MemoryManager<byte>
    {
        public MemoryLoan Loan => loan;

        /// <summary>The array or manager whose memory this window lends.</summary>
        public object Owner => owner;

        public ReadOnlyMemory<byte> Lent => lent;

        public override Span<byte> GetSpan()
        {
            if (Volatile.Read(ref loan._closed))
            {
                throw new ObjectDisposedException(nameof(MemoryLoan), "A plugin read a record's bytes after its call was over; a plugin that keeps bytes must copy them (ToArray).");
            }

            return MemoryMarshal.AsMemory(lent).Span;
        }

        public override MemoryHandle Pin(int elementIndex = 0) => MemoryMarshal.AsMemory(lent).Slice(elementIndex).Pin();

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
