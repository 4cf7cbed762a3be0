using System.Buffers;
using System.Buffers.Binary;

namespace Delivery.Formats.Parquet.Encodings;

/// <summary>
/// A growable byte buffer on pooled arrays, for page bodies, plain-encoded values and metadata. Not thread-safe; one
/// owner returns its array to the pool with <see cref="Dispose"/>.
/// </summary>
internal sealed class ByteBuffer : IDisposable
{
    private byte[] _array;
    private int _length;

    public ByteBuffer(int initialCapacity = 256)
    {
        _array = ArrayPool<byte>.Shared.Rent(Math.Max(16, initialCapacity));
    }

    public int Length => _length;

    /// <summary>How many bytes fit before the array is replaced by a larger one.</summary>
    public int Capacity => _array.Length;

    public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _length);

    public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, _length);

    public void Clear() => _length = 0;

    /// <summary>Forgets everything after the first <paramref name="length"/> bytes.</summary>
    public void Truncate(int length) => _length = Math.Min(_length, length);

    public Span<byte> GetSpan(int sizeHint)
    {
        Ensure(sizeHint);
        return _array.AsSpan(_length);
    }

    public void Advance(int count) => _length += count;

    /// <summary>Replaces written bytes from <paramref name="offset"/> with <paramref name="bytes"/>.</summary>
    public void Overwrite(int offset, ReadOnlySpan<byte> bytes)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + bytes.Length, _length, nameof(bytes));
        bytes.CopyTo(_array.AsSpan(offset));
    }

    public void WriteByte(byte value)
    {
        Ensure(1);
        _array[_length++] = value;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_array.AsSpan(_length));
        _length += bytes.Length;
    }

    /// <summary>Writes the length of <paramref name="bytes"/> (int32, little-endian), then the bytes: PLAIN BYTE_ARRAY.</summary>
    public void WriteLengthPrefixed(ReadOnlySpan<byte> bytes)
    {
        Ensure(4 + bytes.Length);
        BinaryPrimitives.WriteInt32LittleEndian(_array.AsSpan(_length), bytes.Length);
        bytes.CopyTo(_array.AsSpan(_length + 4));
        _length += 4 + bytes.Length;
    }

    public void WriteInt32(int value)
    {
        Ensure(4);
        BinaryPrimitives.WriteInt32LittleEndian(_array.AsSpan(_length), value);
        _length += 4;
    }

    public void WriteInt64(long value)
    {
        Ensure(8);
        BinaryPrimitives.WriteInt64LittleEndian(_array.AsSpan(_length), value);
        _length += 8;
    }

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void Dispose()
    {
        byte[] array = _array;
        _array = [];
        _length = 0;
        if (array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void Ensure(int extra)
    {
        if (_array.Length - _length < extra)
        {
            Grow(extra);
        }
    }

    private void Grow(int extra)
    {
        long wanted = Math.Max((long)_length + extra, (long)_array.Length * 2);
        if (wanted > Array.MaxLength)
        {
            throw new InvalidOperationException($"A Parquet buffer cannot grow beyond {Array.MaxLength} bytes.");
        }

        byte[] bigger = ArrayPool<byte>.Shared.Rent((int)wanted);
        _array.AsSpan(0, _length).CopyTo(bigger);
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }

        _array = bigger;
    }
}
