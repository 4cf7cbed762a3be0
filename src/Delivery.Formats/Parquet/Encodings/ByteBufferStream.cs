using Delivery.Formats.Compression;

namespace Delivery.Formats.Parquet.Encodings;

/// <summary>A write-only stream appending to a <see cref="ByteBuffer"/>, for compressors that only write to streams.</summary>
internal sealed class ByteBufferStream(ByteBuffer target) : WriteOnlyStream
{
    public override void Write(ReadOnlySpan<byte> buffer) => target.Write(buffer);

    public override void WriteByte(byte value) => target.WriteByte(value);

    public override void Flush()
    {
    }
}
