namespace Delivery.Formats.Compression;

/// <summary>
/// One compression format: how to wrap a stream so that what is written to it lands compressed in another stream, and
/// how a file of that format is named and described. Implementations are stateless and safe to share between threads;
/// every stream they create belongs to one caller.
/// </summary>
public interface ICompressionCodec
{
    /// <summary>The format this codec writes.</summary>
    CompressionFormat Format { get; }

    /// <summary>What a file of this format ends with, including the dot (".gz"), or "" when it adds nothing.</summary>
    string FileExtension { get; }

    /// <summary>
    /// The media type of the compressed bytes taken as a file (for example "application/gzip"), or null when the codec
    /// leaves the bytes as the formatter wrote them and the formatter's content type stands.
    /// </summary>
    string? ContentType { get; }

    /// <summary>
    /// The HTTP content-coding token ("gzip") for transports where the receiver is meant to decode the body transparently,
    /// such as an HTTP endpoint; null when the codec does not compress. Stored objects do not use it: see the S3 writer.
    /// </summary>
    string? ContentEncoding { get; }

    /// <summary>
    /// Returns a write-only stream that compresses into <paramref name="destination"/>. Disposing the returned stream
    /// writes the format's trailer; <paramref name="destination"/> stays open.
    /// </summary>
    Stream CreateCompressor(Stream destination);

    /// <summary>
    /// Returns a read-only stream of the original bytes compressed in <paramref name="source"/>, for tests and readers;
    /// <paramref name="source"/> stays open.
    /// </summary>
    Stream CreateDecompressor(Stream source);
}
