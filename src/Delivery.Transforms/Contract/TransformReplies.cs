using System.Buffers;
using System.Collections;

namespace Delivery.Transforms.Contract;

/// <summary>
/// The results of one invocation, on an array rented from the shared pool: the invocation stage disposes them once
/// they are applied, and the next response reuses the memory. Nothing per result is allocated.
/// </summary>
public sealed class TransformReplies : IReadOnlyList<TransformReply>, IDisposable
{
    private TransformReply[] _items;

    /// <param name="capacity">Results expected; more are taken, the array grows.</param>
    public TransformReplies(int capacity)
    {
        _items = ArrayPool<TransformReply>.Shared.Rent(Math.Max(capacity, 4));
    }

    public int Count { get; private set; }

    public TransformReply this[int index] => (uint)index < (uint)Count ? _items[index] : throw new ArgumentOutOfRangeException(nameof(index));

    public void Add(in TransformReply reply)
    {
        if (Count == _items.Length)
        {
            TransformReply[] bigger = ArrayPool<TransformReply>.Shared.Rent(_items.Length * 2);
            _items.AsSpan(0, Count).CopyTo(bigger);
            ArrayPool<TransformReply>.Shared.Return(_items, clearArray: true);
            _items = bigger;
        }

        _items[Count++] = reply;
    }

    /// <summary>Forgets the results taken so far.</summary>
    internal void Clear()
    {
        Array.Clear(_items, 0, Count);
        Count = 0;
    }

    /// <summary>Replaces result <paramref name="index"/>.</summary>
    internal void Set(int index, in TransformReply reply) => _items[index] = reply;

    public IEnumerator<TransformReply> GetEnumerator()
    {
        for (int i = 0; i < Count; i++)
        {
            yield return _items[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Gives the array back; the results' strings and keys are cleared from it, their data stays valid.</summary>
    public void Dispose()
    {
        TransformReply[] items = _items;
        _items = [];
        if (items.Length > 0)
        {
            ArrayPool<TransformReply>.Shared.Return(items, clearArray: true);
        }

        Count = 0;
    }
}
