using System.IO.Compression;
using Delivery.Formats.Parquet.Encodings;

namespace Delivery.Formats.Parquet.Columns;

/// <summary>Compresses one page body with the file's codec; the Parquet codec id goes into the column metadata.</summary>
internal static class PageCompressor
{
    // Parquet's GZIP codec is a gzip member per page; zlib's default effort, as Hadoop's GzipCodec uses.
    private static readonly ZLibCompressionOptions GzipOptions = new() { CompressionLevel = 6 };

    public static int CodecId(ParquetCompression compression) => compression switch
    {
        ParquetCompression.Uncompressed => 0,
        ParquetCompression.Snappy => 1,
        ParquetCompression.Gzip => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, null),
    };

    /// <summary>Appends the compressed form of <paramref name="body"/> to <paramref name="target"/>; returns its length.</summary>
    public static int Compress(ParquetCompression compression, ReadOnlySpan<byte> body, ByteBuffer target)
    {
        int start = target.Length;
        switch (compression)
        {
            case ParquetCompression.Uncompressed:
                target.Write(body);
                break;
            case ParquetCompression.Snappy:
                int written = Snappier.Snappy.Compress(body, target.GetSpan(Snappier.Snappy.GetMaxCompressedLength(body.Length)));
                target.Advance(written);
                break;
            case ParquetCompression.Gzip:
                using (var gzip = new GZipStream(new ByteBufferStream(target), GzipOptions, leaveOpen: false))
                {
                    gzip.Write(body);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(compression), compression, null);
        }

        return target.Length - start;
    }
}
