using System.IO.Compression;
using Delivery.Formats.Parquet.Encodings;

namespace Delivery.Formats.Parquet.Columns;

/// <summary>Compresses one page body with the file's codec; the Parquet codec id goes into the column metadata.</summary>
internal static class PageCompressor
{
    public static int CodecId(ParquetCompression compression) => compression switch
    {
        ParquetCompression.Uncompressed => 0,
        ParquetCompression.Snappy => 1,
        ParquetCompression.Gzip => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, null),
    };

    /// <summary>Returns the compressed bytes of <paramref name="body"/>, a new array the page keeps.</summary>
    public static byte[] Compress(ParquetCompression compression, ReadOnlySpan<byte> body)
    {
        switch (compression)
        {
            case ParquetCompression.Uncompressed:
                return body.ToArray();
            case ParquetCompression.Snappy:
                return IronSnappy.Snappy.Encode(body);
            case ParquetCompression.Gzip:
                using (var output = new MemoryStream((body.Length / 3) + 64))
                {
                    // Parquet's GZIP codec is a gzip member per page; zlib's default effort, as Hadoop's GzipCodec uses.
                    using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
                    {
                        gzip.Write(body);
                    }

                    return output.ToArray();
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(compression), compression, null);
        }
    }

    /// <summary>Compresses the written bytes of <paramref name="body"/>.</summary>
    public static byte[] Compress(ParquetCompression compression, ByteBuffer body) => Compress(compression, body.WrittenSpan);
}
