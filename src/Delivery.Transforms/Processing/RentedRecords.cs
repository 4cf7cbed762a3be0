using System.Buffers;
using System.Collections;

namespace Delivery.Transforms.Processing;

/// <summary>
/// A list on an array rented from the shared pool: the chain's records, made by a <see cref="ProcessingRun"/> and given
/// back when the run's batch has been written (<see cref="ProcessingRun.ReturnRented"/>), and an invocation's replies. The chain's lists of a 5 MiB batch of
/// small records are megabytes each: allocated, they went to the large object heap and brought collections of every
/// generation with them.
/// </summary>
internal sealed class RentedRecords<T> : IReadOnlyList<T>, IRentedArray
{
    private T[] _items;

    public RentedRecords(int capacity)
    {
        _items = ArrayPool<T>.Shared.Rent(Math.Max(capacity, 4));
    }

    public int Count { get; private set; }

    public T this[int index] => (uint)index < (uint)Count ? _items[index] : throw new ArgumentOutOfRangeException(nameof(index), index, $"There are {Count} records.");

    public ReadOnlySpan<T> AsSpan() => _items.AsSpan(0, Count);

    /// <summary>Makes the list <paramref name="count"/> items long (at most its capacity) and returns them to be written.</summary>
    public Span<T> Fill(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _items.Length);
        Count = count;
        return _items.AsSpan(0, count);
    }

    public void Add(in T item)
    {
        if (Count == _items.Length)
        {
            T[] bigger = ArrayPool<T>.Shared.Rent(_items.Length * 2);
            _items.AsSpan(0, Count).CopyTo(bigger);
            ArrayPool<T>.Shared.Return(_items, clearArray: true);
            _items = bigger;
        }

        _items[Count++] = item;
    }

    /// <summary>Replaces item <paramref name="index"/>.</summary>
    public void Set(int index, in T item)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        _items[index] = item;
    }

    /// <summary>Forgets the items added so far; the array is kept.</summary>
    public void Clear()
    {
        Array.Clear(_items, 0, Count);
        Count = 0;
    }

    /// <summary>Gives the array back; the list is empty after it, so a late reader fails rather than reading another run's records.</summary>
    public void Return()
    {
        T[] items = _items;
        int count = Count;
        Count = 0;
        _items = [];
        if (items.Length > 0)
        {
            Array.Clear(items, 0, count);
            ArrayPool<T>.Shared.Return(items);
        }
    }

    public IEnumerator<T> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return _items[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Something a run gives back to a pool once its batch is written.</summary>
internal interface IRentedArray
{
    void Return();
}
