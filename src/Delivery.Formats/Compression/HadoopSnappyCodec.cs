using System.Buffers.Binary;

namespace Delivery.Formats.Compression;

/// <summary>
/// Snappy in Hadoop's block framing (Firehose <c>HADOOP_SNAPPY</c>), what Hadoop's SnappyCodec, Hive, Spark and Athena
/// read: for each block of input, its length as a big-endian uint32, then its compressed bytes preceded by their
/// big-endian length. Blocks are compressed by Snappier; the framing is ours.
/// </summary>
public sealed class HadoopSnappyCodec : ICompressionCodec
{
    /// <summary>
    /// Input bytes per block: well under Hadoop's default 256 KiB codec buffer, which a reader needs to hold a block.
    /// </summary>
    public const int BlockSize = 128 * 1024;

    public static HadoopSnappyCodec Instance { get; } = new();

    public CompressionFormat Format => CompressionFormat.HadoopSnappy;

    public string FileExtension => ".hsnappy";

    public string? ContentType => "application/x-hadoop-snappy";

    public string? ContentEncoding => null;

    public Stream CreateCompressor(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return new Compressor(destination);
    }

    public Stream CreateDecompressor(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        byte[] framed = SnappyFramedCodec.ReadAll(source);
        using var output = new MemoryStream();
        int at = 0;
        while (at < framed.Length)
        {
            int expected = checked((int)BinaryPrimitives.ReadUInt32BigEndian(framed.AsSpan(at)));
            at += 4;
            int produced = 0;
            while (produced < expected)
            {
                int compressed = checked((int)BinaryPrimitives.ReadUInt32BigEndian(framed.AsSpan(at)));
                byte[] block = Snappier.Snappy.DecompressToArray(framed.AsSpan(at + 4, compressed));
                output.Write(block);
                produced += block.Length;
                at += 4 + compressed;
            }

            if (produced != expected)
            {
                throw new InvalidDataException($"A Hadoop-Snappy block announced {expected} bytes and held {produced}.");
            }
        }

        return new MemoryStream(output.ToArray(), writable: false);
    }

    private sealed class Compressor(Stream destination) : BlockCompressorStream(destination, BlockSize)
    {
        protected override void WriteBlock(ReadOnlySpan<byte> block)
        {
            Span<byte> compressed = CompressedBuffer[..Snappier.Snappy.Compress(block, CompressedBuffer)];
            Span<byte> header = stackalloc byte[8];
            BinaryPrimitives.WriteUInt32BigEndian(header, (uint)block.Length);
            BinaryPrimitives.WriteUInt32BigEndian(header[4..], (uint)compressed.Length);
            Destination.Write(header);
            Destination.Write(compressed);
        }
    }
}
