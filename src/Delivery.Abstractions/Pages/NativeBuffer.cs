using System.Buffers;

namespace Delivery.Pages;

/// <summary>
/// A growable buffer in <see cref="PageMemory"/>, for bytes that are about to become a page (a GetRecords answer before
/// it is parsed): like the page, it stays off the garbage-collected heap and goes back as soon as it is disposed.
/// </summary>
public sealed unsafe class NativeBuffer : MemoryManager<byte>
{
    private nint _pointer;
    private int _capacity;

    public NativeBuffer(int initialCapacity)
    {
        (_pointer, _capacity) = PageMemory.Rent(Math.Max(initialCapacity, 1));
    }

    /// <summary>Bytes written so far.</summary>
    public int Length { get; private set; }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => new((void*)Live(), Length);

    /// <summary>Room to write at least one more byte after <see cref="Length"/>, growing the buffer when it is full.</summary>
    public Memory<byte> FreeSpace()
    {
        if (Length == _capacity)
        {
            (nint larger, int capacity) = PageMemory.Rent((int)Math.Min(Array.MaxLength, (long)_capacity * 2));
            new ReadOnlySpan<byte>((void*)_pointer, Length).CopyTo(new Span<byte>((void*)larger, capacity));
            PageMemory.Return(_pointer, _capacity);
            (_pointer, _capacity) = (larger, capacity);
        }

        return Memory.Slice(Length);
    }

    /// <summary>Records that <paramref name="count"/> bytes were written into <see cref="FreeSpace"/>.</summary>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _capacity - Length);
        Length += count;
    }

    public override Span<byte> GetSpan() => new((void*)Live(), _capacity);

    public override MemoryHandle Pin(int elementIndex = 0) => new((byte*)Live() + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        nint pointer = Interlocked.Exchange(ref _pointer, 0);
        if (pointer != 0)
        {
            PageMemory.Return(pointer, _capacity);
        }
    }

    private nint Live() => _pointer != 0 ? _pointer : throw new ObjectDisposedException(nameof(NativeBuffer));
}
