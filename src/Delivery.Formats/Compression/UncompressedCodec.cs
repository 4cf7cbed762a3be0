namespace Delivery.Formats.Compression;

/// <summary>The identity codec: bytes pass through unchanged, so destinations need no special case for "no compression".</summary>
public sealed class UncompressedCodec : ICompressionCodec
{
    /// <summary>The one instance; the codec has no state.</summary>
    public static UncompressedCodec Instance { get; } = new();

    private UncompressedCodec()
    {
    }

    public CompressionFormat Format => CompressionFormat.Uncompressed;

    public string FileExtension => "";

    public string? ContentType => null;

    public string? ContentEncoding => null;

    public Stream CreateCompressor(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return new NonClosingStream(destination, writable: true);
    }

    public Stream CreateDecompressor(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new NonClosingStream(source, writable: false);
    }
}
