using System.IO.Compression;

namespace Delivery.Formats.Compression;

/// <summary>
/// Gzip (RFC 1952) through the runtime's zlib: the output is a standard single-member .gz file that <c>gzip -d</c>,
/// DuckDB, Athena and Spark read.
/// </summary>
public sealed class GzipCodec : ICompressionCodec
{
    /// <summary>Creates a codec at <paramref name="level"/>.</summary>
    /// <param name="level">
    /// Default <see cref="CompressionLevel.Fastest"/>: about three times the throughput of
    /// <see cref="CompressionLevel.Optimal"/> for a slightly larger output. Any defined <see cref="CompressionLevel"/>.
    /// </param>
    public GzipCodec(CompressionLevel level = CompressionLevel.Fastest)
    {
        if (!Enum.IsDefined(level))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "Not a defined compression level.");
        }

        Level = level;
    }

    /// <summary>The zlib effort used when compressing.</summary>
    public CompressionLevel Level { get; }

    public CompressionFormat Format => CompressionFormat.Gzip;

    public string FileExtension => ".gz";

    public string? ContentType => "application/gzip";

    public string? ContentEncoding => "gzip";

    public Stream CreateCompressor(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return new GzipCompressorStream(destination, Level);
    }

    public Stream CreateDecompressor(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new GZipStream(source, CompressionMode.Decompress, leaveOpen: true);
    }
}
