using Delivery.Formats.Parquet.Encodings;

namespace Delivery.UnitTests.Formats.Parquet;

public sealed class RleBitPackedHybridTests
{
    [Fact]
    public void ALongRun_IsOneRleRun_OfCountAndValue()
    {
        // header = 10 << 1 (an RLE run of ten), then the value in one byte.
        Encode([.. Enumerable.Repeat(3, 10)], bitWidth: 2).ShouldBe(new byte[] { 0x14, 0x03 });
    }

    [Fact]
    public void ShortVaryingValues_AreBitPacked_LeastSignificantBitFirst()
    {
        // header = (1 group << 1) | 1; values 0,1,0,1,... at one bit each give 0b10101010.
        Encode([0, 1, 0, 1, 0, 1, 0, 1], bitWidth: 1).ShouldBe(new byte[] { 0x03, 0xAA });
    }

    [Fact]
    public void ATrailingPartialGroup_IsPaddedWithZeros()
    {
        // 1,2,3 at two bits: 01 | 10<<2 | 11<<4 = 0b00111001, then a zero byte for the five padding values.
        Encode([1, 2, 3], bitWidth: 2).ShouldBe(new byte[] { 0x03, 0x39, 0x00 });
    }

    [Fact]
    public void BitPackedGroups_ThenARun_AreBothWritten()
    {
        int[] values = [1, 0, 1, 0, 1, 0, 1, 0, .. Enumerable.Repeat(1, 9)];

        Encode(values, bitWidth: 1).ShouldBe(new byte[] { 0x03, 0x55, 0x12, 0x01 });
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 7)]
    [InlineData(1, 8)]
    [InlineData(2, 3)]
    [InlineData(3, 20_000)]
    [InlineData(17, 129)]
    public void ARunOfCountedLevels_IsWrittenAsTheSameValuesWouldBe(int value, int count)
    {
        // A column's leading maximal definition levels are counted, not stored, and written from the count.
        int bitWidth = RleBitPackedHybrid.BitWidth(value);
        using var buffer = new ByteBuffer();

        RleBitPackedHybrid.EncodeRun(value, count, bitWidth, buffer);

        buffer.ToArray().ShouldBe(Encode([.. Enumerable.Repeat(value, count)], bitWidth));
    }

    private static byte[] Encode(int[] values, int bitWidth)
    {
        using var buffer = new ByteBuffer();
        RleBitPackedHybrid.Encode(values, bitWidth, buffer);
        return buffer.ToArray();
    }
}
