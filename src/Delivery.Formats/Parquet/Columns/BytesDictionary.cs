using System.Buffers;
using Delivery.Formats.Parquet.Encodings;

namespace Delivery.Formats.Parquet.Columns;

/// <summary>
/// The distinct byte-array values of one column chunk, in the order first seen, looked up by content. The values live
/// once, in <see cref="Plain"/>, which is already the dictionary page's body (PLAIN encoding: a 4-byte length before
/// each value of a BYTE_ARRAY column, nothing for FIXED_LEN_BYTE_ARRAY). The table is open addressing on pooled arrays,
/// each slot holding a value's hash beside its index, so a probe reads one slot and compares bytes only when the hashes
/// agree: adding a value allocates nothing.
/// </summary>
internal sealed class BytesDictionary(bool lengthPrefixed, int slots = 1024, int entries = 512, int plainBytes = 4096) : IDisposable
{
    private Slot[] _slots = RentSlots(slots); // Index + 1 in each; 0 is empty
    private int[] _offsets = ArrayPool<int>.Shared.Rent(entries);
    private int[] _lengths = ArrayPool<int>.Shared.Rent(entries);

    public int Count { get; private set; }

    /// <summary>The slot table's length, which the next file's dictionary may start at.</summary>
    public int SlotCapacity => _slots.Length;

    /// <summary>How many entries fit before the entry arrays grow.</summary>
    public int EntryCapacity => _offsets.Length;

    /// <summary>The entries PLAIN encoded, in index order: the dictionary page's body.</summary>
    public ByteBuffer Plain { get; } = new(plainBytes);

    public ReadOnlySpan<byte> this[int index] => Plain.WrittenSpan.Slice(_offsets[index], _lengths[index]);

    /// <summary>The index of <paramref name="value"/>, added when new (<paramref name="added"/>).</summary>
    public int GetOrAdd(ReadOnlySpan<byte> value, out bool added)
    {
        int hash = ValueHash.Of(value);
        Slot[] slots = _slots;
        int mask = slots.Length - 1;
        int at = hash & mask;
        while (slots[at].Entry != 0)
        {
            if (slots[at].Hash == hash)
            {
                int entry = slots[at].Entry - 1;
                if (Plain.WrittenSpan.Slice(_offsets[entry], _lengths[entry]).SequenceEqual(value))
                {
                    added = false;
                    return entry;
                }
            }

            at = (at + 1) & mask;
        }

        int index = Count;
        if (index == _offsets.Length)
        {
            Grow(ref _offsets);
            Grow(ref _lengths);
        }

        if (lengthPrefixed)
        {
            Plain.WriteInt32(value.Length);
        }

        _offsets[index] = Plain.Length;
        _lengths[index] = value.Length;
        Plain.Write(value);
        slots[at] = new Slot(hash, index + 1);
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
        Plain.Clear();
    }

    public void Dispose()
    {
        Plain.Dispose();
        ArrayPool<Slot>.Shared.Return(_slots);
        ArrayPool<int>.Shared.Return(_offsets);
        ArrayPool<int>.Shared.Return(_lengths);
        _slots = [];
        _offsets = _lengths = [];
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
                int at = slot.Hash & mask;
                while (_slots[at].Entry != 0)
                {
                    at = (at + 1) & mask;
                }

                _slots[at] = slot;
            }
        }

        ArrayPool<Slot>.Shared.Return(old);
    }

    /// <summary>A cleared power-of-two table: the pool may hand out a larger array, which must still be a power of two.</summary>
    private static Slot[] RentSlots(int length) => RentPow2Cleared<Slot>(length);

    /// <summary>A cleared array of a power-of-two length for an open-addressing table (both dictionaries' slots).</summary>
    internal static T[] RentPow2Cleared<T>(int length)
    {
        T[] slots = ArrayPool<T>.Shared.Rent(length);
        if (!int.IsPow2(slots.Length))
        {
            ArrayPool<T>.Shared.Return(slots);
            return new T[length];
        }

        Array.Clear(slots);
        return slots;
    }

    internal static void Grow<T>(ref T[] array)
    {
        T[] bigger = ArrayPool<T>.Shared.Rent(array.Length * 2);
        array.AsSpan().CopyTo(bigger);
        ArrayPool<T>.Shared.Return(array);
        array = bigger;
    }

    private readonly record struct Slot(int Hash, int Entry);
}
