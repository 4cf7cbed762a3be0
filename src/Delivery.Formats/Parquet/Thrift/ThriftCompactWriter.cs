using System.Text;
using Delivery.Formats.Parquet.Encodings;

namespace Delivery.Formats.Parquet.Thrift;

/// <summary>
/// Writes structures in the Thrift compact protocol, which is how Parquet encodes its page headers and file footer.
/// Only what Parquet's metadata uses is here: structs with short field-id deltas, i32/i64 (zigzag varints), booleans
/// folded into the field header, binary/strings and lists.
/// </summary>
internal sealed class ThriftCompactWriter(ByteBuffer output)
{
    // Compact protocol type ids.
    private const byte BooleanTrue = 1;
    private const byte BooleanFalse = 2;
    private const byte TypeByte = 3;
    private const byte TypeI16 = 4;
    private const byte TypeI32 = 5;
    private const byte TypeI64 = 6;
    private const byte TypeBinary = 8;
    private const byte TypeList = 9;
    private const byte TypeStruct = 12;

    // Field ids are written as deltas from the previous field of the same struct, so nesting needs a stack.
    private readonly Stack<short> _lastFieldIds = new();
    private short _lastFieldId;

    public void BeginStruct()
    {
        _lastFieldIds.Push(_lastFieldId);
        _lastFieldId = 0;
    }

    public void EndStruct()
    {
        output.WriteByte(0); // stop field
        _lastFieldId = _lastFieldIds.Pop();
    }

    public void FieldI32(short id, int value)
    {
        FieldHeader(id, TypeI32);
        WriteVarint(ZigZag(value));
    }

    public void FieldByte(short id, sbyte value)
    {
        FieldHeader(id, TypeByte);
        output.WriteByte((byte)value);
    }

    public void FieldI16(short id, short value)
    {
        FieldHeader(id, TypeI16);
        WriteVarint(ZigZag(value));
    }

    public void FieldI64(short id, long value)
    {
        FieldHeader(id, TypeI64);
        WriteVarint(ZigZag(value));
    }

    public void FieldBool(short id, bool value) => FieldHeader(id, value ? BooleanTrue : BooleanFalse);

    public void FieldBinary(short id, ReadOnlySpan<byte> value)
    {
        FieldHeader(id, TypeBinary);
        WriteVarint((ulong)value.Length);
        output.Write(value);
    }

    public void FieldString(short id, string value)
    {
        FieldHeader(id, TypeBinary);
        int length = Encoding.UTF8.GetByteCount(value);
        WriteVarint((ulong)length);
        Encoding.UTF8.GetBytes(value, output.GetSpan(length));
        output.Advance(length);
    }

    /// <summary>Starts a struct-valued field; close it with <see cref="EndStruct"/>.</summary>
    public void FieldStructBegin(short id)
    {
        FieldHeader(id, TypeStruct);
        BeginStruct();
    }

    /// <summary>A struct-valued field whose body (fields and stop byte) was serialized earlier.</summary>
    public void FieldStructSerialized(short id, ReadOnlySpan<byte> body)
    {
        FieldHeader(id, TypeStruct);
        output.Write(body);
    }

    /// <summary>Starts a list of structs; write each element with <see cref="BeginStruct"/> / <see cref="EndStruct"/>.</summary>
    public void FieldListOfStructs(short id, int count) => FieldList(id, TypeStruct, count);

    public void FieldListOfI32(short id, IReadOnlyList<int> values)
    {
        FieldList(id, TypeI32, values.Count);
        foreach (int value in values)
        {
            WriteVarint(ZigZag(value));
        }
    }

    public void FieldListOfStrings(short id, IReadOnlyList<string> values)
    {
        FieldList(id, TypeBinary, values.Count);
        foreach (string value in values)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(value);
            WriteVarint((ulong)bytes.Length);
            output.Write(bytes);
        }
    }

    private void FieldList(short id, byte elementType, int count)
    {
        FieldHeader(id, TypeList);
        if (count < 15)
        {
            output.WriteByte((byte)((count << 4) | elementType));
        }
        else
        {
            output.WriteByte((byte)(0xF0 | elementType));
            WriteVarint((ulong)count);
        }
    }

    private void FieldHeader(short id, byte type)
    {
        int delta = id - _lastFieldId;
        if (delta is > 0 and <= 15)
        {
            output.WriteByte((byte)((delta << 4) | type));
        }
        else
        {
            output.WriteByte(type);
            WriteVarint(ZigZag(id));
        }

        _lastFieldId = id;
    }

    private void WriteVarint(ulong value)
    {
        Span<byte> buffer = output.GetSpan(10);
        int length = 0;
        while (value >= 0x80)
        {
            buffer[length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[length++] = (byte)value;
        output.Advance(length);
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));
}
