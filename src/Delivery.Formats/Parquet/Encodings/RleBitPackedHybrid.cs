namespace Delivery.Formats.Parquet.Encodings;

/// <summary>
/// Parquet's RLE / bit-packing hybrid encoding, used for repetition and definition levels and for dictionary indices.
/// A run of at least eight equal values becomes one RLE run (header, value); everything else is bit-packed in groups
/// of eight, least significant bit first. Only the very last group may be padded, since readers stop at the value count.
/// </summary>
internal static class RleBitPackedHybrid
{
    private const int MinRleRun = 8;

    /// <summary>The bits needed for values 0..<paramref name="maxValue"/>.</summary>
    public static int BitWidth(int maxValue) => maxValue <= 0 ? 0 : 32 - int.LeadingZeroCount(maxValue);

    public static void Encode(ReadOnlySpan<int> values, int bitWidth, ByteBuffer output)
    {
        int i = 0;
        while (i < values.Length)
        {
            int run = RunLength(values, i);
            if (run >= MinRleRun)
            {
                WriteRle(values[i], run, bitWidth, output);
                i += run;
                continue;
            }

            // Bit-pack whole groups of eight until a long run starts at a group boundary.
            int end = i;
            do
            {
                end += 8;
            }
            while (end < values.Length && RunLength(values, end) < MinRleRun);

            end = Math.Min(end, values.Length);
            WriteBitPacked(values[i..end], bitWidth, output);
            i = end;
        }
    }

    /// <summary>What <see cref="Encode"/> writes for <paramref name="count"/> values all equal to <paramref name="value"/>.</summary>
    public static void EncodeRun(int value, int count, int bitWidth, ByteBuffer output)
    {
        if (count >= MinRleRun)
        {
            WriteRle(value, count, bitWidth, output);
        }
        else if (count > 0)
        {
            Span<int> values = stackalloc int[MinRleRun];
            values.Fill(value);
            WriteBitPacked(values[..count], bitWidth, output);
        }
    }

    private static int RunLength(ReadOnlySpan<int> values, int start)
    {
        int value = values[start];
        int end = start + 1;
        while (end < values.Length && values[end] == value)
        {
            end++;
        }

        return end - start;
    }

    private static void WriteRle(int value, int count, int bitWidth, ByteBuffer output)
    {
        WriteVarint((uint)count << 1, output);
        int valueBytes = (bitWidth + 7) / 8;
        for (int b = 0; b < valueBytes; b++)
        {
            output.WriteByte((byte)(value >> (8 * b)));
        }
    }

    private static void WriteBitPacked(ReadOnlySpan<int> values, int bitWidth, ByteBuffer output)
    {
        int groups = (values.Length + 7) / 8;
        WriteVarint(((uint)groups << 1) | 1, output);
        int byteCount = groups * bitWidth;
        Span<byte> target = output.GetSpan(byteCount)[..byteCount];
        target.Clear();
        ulong accumulator = 0;
        int bits = 0;
        int written = 0;
        for (int v = 0; v < groups * 8; v++)
        {
            ulong value = v < values.Length ? (uint)values[v] : 0;
            accumulator |= value << bits;
            bits += bitWidth;
            while (bits >= 8)
            {
                target[written++] = (byte)accumulator;
                accumulator >>= 8;
                bits -= 8;
            }
        }

        output.Advance(byteCount);
    }

    private static void WriteVarint(uint value, ByteBuffer output)
    {
        while (value >= 0x80)
        {
            output.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        output.WriteByte((byte)value);
    }
}
