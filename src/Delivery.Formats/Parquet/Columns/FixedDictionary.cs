using System.Buffers;

namespace Delivery.Formats.Parquet.Columns;

/// <summary>
/// The distinct fixed-width values (integers, floating-point bits) of one column chunk, in the order first seen. Open
/// addressing on pooled arrays, each slot holding the value itself beside its index, so a probe reads one slot; the
/// column writes each new value's PLAIN form itself.
/// </summary>
internal sealed class FixedDictionary(int slots = 1024, int entries = 512) : IDisposable
{
    private Slot[] _slots = RentSlots(slots); // Index + 1 in each; 0 is empty
    private long[] _values = ArrayPool<long>.Shared.Rent(entries);

    public int Count { get; private set; }

    /// <summary>The slot table's length, which the next file's dictionary may start at.</summary>
    public int SlotCapacity => _slots.Length;

    /// <summary>How many entries fit before the entry array grows.</summary>
    public int EntryCapacity => _values.Length;

    public long this[int index] => _values[index];

    /// <summary>The index of <paramref name="value"/>, added when new (<paramref name="added"/>).</summary>
    public int GetOrAdd(long value, out bool added)
    {
        Slot[] slots = _slots;
        int mask = slots.Length - 1;
        int at = ValueHash.Of(value) & mask;
        while (slots[at].Entry != 0)
        {
            if (slots[at].Value == value)
            {
                added = false;
                return slots[at].Entry - 1;
            }

            at = (at + 1) & mask;
        }

        int index = Count;
        if (index == _values.Length)
        {
            BytesDictionary.Grow(ref _values);
        }

        _values[index] = value;
        slots[at] = new Slot(value, index + 1);
        Count = index + 1;
        if (Count * 2 > slots.Length)
        {
            Rehash();
        }

        added = true;
        return index;
    }

    public void Clear()
    {
        Array.Clear(_slots);
        Count = 0;
    }

    public void Dispose()
    {
        ArrayPool<Slot>.Shared.Return(_slots);
        ArrayPool<long>.Shared.Return(_values);
        _slots = [];
        _values = [];
    }

    private void Rehash()
    {
        Slot[] old = _slots;
        _slots = RentSlots(old.Length * 2);
        int mask = _slots.Length - 1;
        foreach (Slot slot in old)
        {
            if (slot.Entry != 0)
            {
                int at = ValueHash.Of(slot.Value) & mask;
                while (_slots[at].Entry != 0)
                {
                    at = (at + 1) & mask;
                }

                _slots[at] = slot;
            }
        }

        ArrayPool<Slot>.Shared.Return(old);
    }

    private static Slot[] RentSlots(int length) => BytesDictionary.RentPow2Cleared<Slot>(length);

    private readonly record struct Slot(long Value, int Entry);
}
