using System.Collections;
using Delivery.Transforms.Processing;

namespace Delivery.Transforms.Contract;

/// <summary>
/// The results of one invocation, on an array rented from the shared pool: the invocation stage disposes them once
/// they are applied, and the next response reuses the memory. Nothing per result is allocated.
/// </summary>
public sealed class TransformReplies : IReadOnlyList<TransformReply>, IDisposable
{
    private readonly RentedRecords<TransformReply> _items;

    /// <param name="capacity">Results expected; more are taken, the array grows.</param>
    public TransformReplies(int capacity)
    {
        _items = new RentedRecords<TransformReply>(capacity);
    }

    public int Count => _items.Count;

    public TransformReply this[int index] => _items[index];

    public void Add(in TransformReply reply) => _items.Add(reply);

    /// <summary>Forgets the results taken so far.</summary>
    internal void Clear() => _items.Clear();

    /// <summary>Replaces result <paramref name="index"/>.</summary>
    internal void Set(int index, in TransformReply reply) => _items.Set(index, reply);

    public IEnumerator<TransformReply> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Gives the array back; the results' strings and keys are cleared from it, their data stays valid.</summary>
    public void Dispose() => _items.Return();
}
