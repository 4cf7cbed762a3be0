using System.Buffers;

namespace Delivery.Formats.Parquet.Encodings;

/// <summary>
/// A growable list of ints on a pooled array: levels and dictionary indices of the page being built. A struct, held in
/// a (non-readonly) field of its column, so adding a level reaches the array from the column directly rather than
/// through an object of its own: that dependent load was the column's hottest instruction.
/// </summary>
internal struct IntBuffer : IDisposable
{
    private int[] _array;

    public IntBuffer()
        : this(1024)
    {
    }

    public IntBuffer(int initialCapacity)
    {
        _array = ArrayPool<int>.Shared.Rent(Math.Max(16, initialCapacity));
    }

    /// <summary>How many ints fit before the array is replaced by a larger one.</summary>
    public readonly int Capacity => _array.Length;

    public int Count { get; private set; }

    public readonly ReadOnlySpan<int> Span => _array.AsSpan(0, Count);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void Add(int value)
    {
        int count = Count;
        int[] array = _array;
        if ((uint)count < (uint)array.Length)
        {
            array[count] = value;
            Count = count + 1;
            return;
        }

        AddGrowing(value);
    }

    private void AddGrowing(int value)
    {
        int[] bigger = ArrayPool<int>.Shared.Rent(_array.Length * 2);
        _array.AsSpan(0, Count).CopyTo(bigger);
        ArrayPool<int>.Shared.Return(_array);
        _array = bigger;
        _array[Count++] = value;
    }

    public void Clear() => Count = 0;

    public void Dispose()
    {
        if (_array.Length > 0)
        {
            ArrayPool<int>.Shared.Return(_array);
            _array = [];
        }
    }
}
