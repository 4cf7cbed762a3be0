namespace Delivery.Kinesis.Aggregation;

/// <summary>
/// A forward-only reader of protobuf wire format, just enough for the KPL aggregate: tags, varints, length-delimited
/// fields (as offsets into the buffer, so callers slice whatever holds it) and skipping what is not needed. Every read is
/// bounds-checked and reports malformed input instead of throwing.
/// </summary>
internal ref struct ProtobufReader(ReadOnlySpan<byte> buffer)
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int Fixed32 = 5;

    private readonly ReadOnlySpan<byte> _buffer = buffer;
    private int _position;

    public readonly bool End => _position >= _buffer.Length;

    public bool TryReadTag(out int field, out int wireType)
    {
        field = 0;
        wireType = 0;
        if (!TryReadVarint(out ulong tag) || tag >> 3 is 0 or > int.MaxValue)
        {
            return false;
        }

        field = (int)(tag >> 3);
        wireType = (int)(tag & 7);
        return true;
    }

    public bool TryReadVarint(out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _buffer.Length)
            {
                return false;
            }

            byte b = _buffer[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        // More than ten bytes: not a varint.
        return false;
    }

    /// <summary>Reads a length-delimited field; <paramref name="offset"/> is where its bytes start in the buffer.</summary>
    public bool TryReadLengthDelimited(out int offset, out int length)
    {
        offset = 0;
        length = 0;
        if (!TryReadVarint(out ulong declared) || declared > (ulong)(_buffer.Length - _position))
        {
            return false;
        }

        offset = _position;
        length = (int)declared;
        _position += length;
        return true;
    }

    public bool TrySkip(int wireType)
    {
        switch (wireType)
        {
            case Varint:
                return TryReadVarint(out _);
            case LengthDelimited:
                return TryReadLengthDelimited(out _, out _);
            case Fixed64:
                return TryAdvance(8);
            case Fixed32:
                return TryAdvance(4);
            default:
                // Groups (3, 4) are deprecated and never appear in an aggregate; anything else is not protobuf.
                return false;
        }
    }

    private bool TryAdvance(int count)
    {
        if (_buffer.Length - _position < count)
        {
            return false;
        }

        _position += count;
        return true;
    }
}
