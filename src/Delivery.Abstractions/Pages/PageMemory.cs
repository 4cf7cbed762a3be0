using System.Runtime.InteropServices;

namespace Delivery.Pages;

/// <summary>
/// Native memory for record pages, kept off the garbage-collected heap so that what the worker holds is what the memory
/// budget counts: a page's block goes back here when its last holder lets go, and a block nobody needs is given back to
/// the operating system at once rather than lingering as garbage until a full collection.
/// </summary>
/// <remarks>
/// Blocks under <see cref="PooledBlockBytes"/> (the pages of quiet shards: a few records each) are allocated at their
/// exact size and freed when returned, so a page of one record costs what its record does. Larger blocks come in size
/// classes of powers of two and the halfway sizes between them (64 KiB, 96 KiB, 128 KiB, 192 KiB, ...), never more than
/// half as large again as asked for, and a few freed ones of each size are kept for reuse, up to
/// <see cref="MaxRetainedBytes"/> in all, so steady reading does not map and fault fresh memory for every page. On Linux,
/// blocks this large are mapped by the C allocator and unmapped when freed (its threshold is fixed at
/// <see cref="PooledBlockBytes"/> rather than left to grow), so memory given back leaves the process. Thread-safe.
/// </remarks>
public static class PageMemory
{
    /// <summary>Blocks at least this large are pooled by size class; smaller ones are allocated exactly.</summary>
    public const int PooledBlockBytes = 64 * 1024;

    private const int SmallAlignment = 16;
    private static readonly Lock Gate = new();
    private static readonly Dictionary<int, Stack<nint>> Free = [];
    private static long _retainedBytes;
    private static long _inUseBytes;

    static PageMemory()
    {
        MallocOptions.MapLargeBlocks(PooledBlockBytes);
    }

    /// <summary>
    /// The most freed bytes kept for reuse (default 32 MiB). The worker sets it from its memory budget; blocks freed
    /// beyond it go back to the operating system.
    /// </summary>
    public static long MaxRetainedBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Bytes of blocks rented and not returned: what pages hold now.</summary>
    public static long InUseBytes => Interlocked.Read(ref _inUseBytes);

    /// <summary>Bytes of freed blocks kept for reuse.</summary>
    public static long RetainedBytes
    {
        get
        {
            lock (Gate)
            {
                return _retainedBytes;
            }
        }
    }

    /// <summary>The size of the block <see cref="Rent"/> gives for <paramref name="minimumBytes"/>.</summary>
    public static int BlockSize(int minimumBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumBytes);
        if (minimumBytes < PooledBlockBytes)
        {
            return Math.Max(SmallAlignment, (minimumBytes + SmallAlignment - 1) / SmallAlignment * SmallAlignment);
        }

        long size = PooledBlockBytes;
        while (size < minimumBytes)
        {
            long half = size + (size / 2);
            if (half >= minimumBytes)
            {
                size = half;
                break;
            }

            size *= 2;
        }

        if (size > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(minimumBytes), minimumBytes, "A page block cannot be that large.");
        }

        return (int)size;
    }

    /// <summary>A block of at least <paramref name="minimumBytes"/>; its contents are undefined.</summary>
    public static unsafe (nint Pointer, int Length) Rent(int minimumBytes)
    {
        int size = BlockSize(minimumBytes);
        Interlocked.Add(ref _inUseBytes, size);
        if (size >= PooledBlockBytes)
        {
            lock (Gate)
            {
                if (Free.TryGetValue(size, out Stack<nint>? blocks) && blocks.TryPop(out nint reused))
                {
                    _retainedBytes -= size;
                    return (reused, size);
                }
            }
        }

        return ((nint)NativeMemory.Alloc((nuint)size), size);
    }

    /// <summary>Gives a block back; it must not be used again.</summary>
    public static unsafe void Return(nint pointer, int length)
    {
        ArgumentOutOfRangeException.ThrowIfZero(pointer);
        Interlocked.Add(ref _inUseBytes, -length);
        if (length >= PooledBlockBytes)
        {
            lock (Gate)
            {
                if (_retainedBytes + length <= MaxRetainedBytes)
                {
                    if (!Free.TryGetValue(length, out Stack<nint>? blocks))
                    {
                        Free[length] = blocks = new Stack<nint>();
                    }

                    blocks.Push(pointer);
                    _retainedBytes += length;
                    return;
                }
            }
        }

        NativeMemory.Free((void*)pointer);
    }

    /// <summary>Frees every retained block (tests and benchmarks that measure from a clean state).</summary>
    public static unsafe void Trim()
    {
        lock (Gate)
        {
            foreach (Stack<nint> blocks in Free.Values)
            {
                while (blocks.TryPop(out nint block))
                {
                    NativeMemory.Free((void*)block);
                }
            }

            _retainedBytes = 0;
        }
    }
}
