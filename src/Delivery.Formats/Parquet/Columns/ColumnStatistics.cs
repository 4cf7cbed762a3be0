using System.Buffers.Binary;
using Delivery.Formats.Parquet.Encodings;
using Delivery.Formats.Parquet.Thrift;

namespace Delivery.Formats.Parquet.Columns;

/// <summary>
/// Min, max and null count of one column chunk, in the column's sort order (signed for numbers and decimals, unsigned
/// bytewise for strings and binary), written to the footer so engines can skip row groups. NaN never becomes a bound,
/// and a zero bound is written as -0.0 (min) or +0.0 (max), as the format asks. Bounds longer than
/// <see cref="MaxBoundBytes"/> are left out rather than truncated: an inexact bound needs care many readers lack.
/// </summary>
internal sealed class ColumnStatistics(PhysicalType type, bool signedBytes) : IDisposable
{
    public const int MaxBoundBytes = 4096;

    private readonly ByteBuffer _minBytes = new(64);
    private readonly ByteBuffer _maxBytes = new(64);
    private bool _hasBounds;
    private long _minLong;
    private long _maxLong;
    private double _minDouble;
    private double _maxDouble;

    public long NullCount { get; set; }

    public void UpdateFixed(long bits)
    {
        switch (type)
        {
            case PhysicalType.Float or PhysicalType.Double:
                double value = type == PhysicalType.Float ? BitConverter.Int32BitsToSingle((int)bits) : BitConverter.Int64BitsToDouble(bits);
                if (double.IsNaN(value))
                {
                    return;
                }

                if (!_hasBounds)
                {
                    _minDouble = _maxDouble = value;
                }
                else
                {
                    _minDouble = Math.Min(_minDouble, value);
                    _maxDouble = Math.Max(_maxDouble, value);
                }

                break;
            default:
                if (!_hasBounds)
                {
                    _minLong = _maxLong = bits;
                }
                else
                {
                    _minLong = Math.Min(_minLong, bits);
                    _maxLong = Math.Max(_maxLong, bits);
                }

                break;
        }

        _hasBounds = true;
    }

    public void UpdateBytes(ReadOnlySpan<byte> value)
    {
        if (!_hasBounds)
        {
            Set(_minBytes, value);
            Set(_maxBytes, value);
            _hasBounds = true;
            return;
        }

        ReadOnlySpan<byte> min = _minBytes.WrittenSpan;
        ReadOnlySpan<byte> max = _maxBytes.WrittenSpan;
        if (!signedBytes && value.Length > 0 && min.Length > 0 && max.Length > 0 && value[0] > min[0] && value[0] < max[0])
        {
            // In bytewise order a first byte strictly between the bounds' first bytes decides: neither bound moves.
            // Most values of an id or hash column end here, without the two comparisons below.
            return;
        }

        if (Compare(value, min) < 0)
        {
            Set(_minBytes, value);
        }
        else if (Compare(value, max) > 0)
        {
            Set(_maxBytes, value);
        }
    }

    public void Reset()
    {
        _hasBounds = false;
        NullCount = 0;
        _minBytes.Clear();
        _maxBytes.Clear();
    }

    /// <summary>The Statistics struct in the compact protocol, to embed in the chunk's metadata.</summary>
    public byte[] Serialize()
    {
        using var buffer = new ByteBuffer(128);
        var thrift = new ThriftCompactWriter(buffer);
        thrift.BeginStruct();
        Span<byte> min = new byte[8];
        Span<byte> max = new byte[8];
        int length = 0;
        ReadOnlySpan<byte> minBound = default;
        ReadOnlySpan<byte> maxBound = default;
        bool bounded = _hasBounds;
        switch (type)
        {
            case PhysicalType.Boolean:
                min[0] = (byte)_minLong;
                max[0] = (byte)_maxLong;
                length = 1;
                break;
            case PhysicalType.Int32:
                BinaryPrimitives.WriteInt32LittleEndian(min, (int)_minLong);
                BinaryPrimitives.WriteInt32LittleEndian(max, (int)_maxLong);
                length = 4;
                break;
            case PhysicalType.Int64:
                BinaryPrimitives.WriteInt64LittleEndian(min, _minLong);
                BinaryPrimitives.WriteInt64LittleEndian(max, _maxLong);
                length = 8;
                break;
            case PhysicalType.Float:
                BinaryPrimitives.WriteSingleLittleEndian(min, _minDouble == 0 ? -0.0f : (float)_minDouble);
                BinaryPrimitives.WriteSingleLittleEndian(max, _maxDouble == 0 ? 0.0f : (float)_maxDouble);
                length = 4;
                break;
            case PhysicalType.Double:
                BinaryPrimitives.WriteDoubleLittleEndian(min, _minDouble == 0 ? -0.0 : _minDouble);
                BinaryPrimitives.WriteDoubleLittleEndian(max, _maxDouble == 0 ? 0.0 : _maxDouble);
                length = 8;
                break;
            default:
                minBound = _minBytes.WrittenSpan;
                maxBound = _maxBytes.WrittenSpan;
                bounded &= minBound.Length <= MaxBoundBytes && maxBound.Length <= MaxBoundBytes;
                break;
        }

        if (length > 0)
        {
            minBound = min[..length];
            maxBound = max[..length];
        }

        // The legacy min/max fields use signed order, which matches only the numeric types; strings get the new fields alone.
        bool legacyOrderMatches = type is not (PhysicalType.ByteArray or PhysicalType.FixedLenByteArray);
        if (bounded && legacyOrderMatches)
        {
            thrift.FieldBinary(1, maxBound);
            thrift.FieldBinary(2, minBound);
        }

        thrift.FieldI64(3, NullCount);
        if (bounded)
        {
            thrift.FieldBinary(5, maxBound);
            thrift.FieldBinary(6, minBound);
        }

        thrift.EndStruct();
        return buffer.ToArray();
    }

    public void Dispose()
    {
        _minBytes.Dispose();
        _maxBytes.Dispose();
    }

    private int Compare(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        if (signedBytes && left.Length > 0 && right.Length > 0 && left[0] != right[0])
        {
            // Big-endian two's complement of equal length (decimals): the first byte decides, read as signed.
            return ((sbyte)left[0]).CompareTo((sbyte)right[0]);
        }

        return left.SequenceCompareTo(right);
    }

    private static void Set(ByteBuffer target, ReadOnlySpan<byte> value)
    {
        target.Clear();
        target.Write(value);
    }
}
