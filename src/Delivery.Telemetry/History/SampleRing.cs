namespace Delivery.Telemetry.History;

/// <summary>
/// The last <see cref="Capacity"/> samples, oldest first: adding to a full ring drops the oldest, so memory stays fixed
/// however long the worker runs. One writer (the sampler) and any number of readers (status requests).
/// </summary>
public sealed class SampleRing<T>
{
    private readonly T[] _items;
    private readonly Lock _gate = new();
    private int _next;
    private int _count;

    public SampleRing(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _items = new T[capacity];
    }

    public int Capacity => _items.Length;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    public void Add(T item)
    {
        lock (_gate)
        {
            _items[_next] = item;
            _next = (_next + 1) % _items.Length;
            _count = Math.Min(_count + 1, _items.Length);
        }
    }

    /// <summary>A copy of the samples, oldest first.</summary>
    public T[] ToArray()
    {
        lock (_gate)
        {
            var copy = new T[_count];
            int first = (_next - _count + _items.Length) % _items.Length;
            for (int i = 0; i < _count; i++)
            {
                copy[i] = _items[(first + i) % _items.Length];
            }

            return copy;
        }
    }
}
