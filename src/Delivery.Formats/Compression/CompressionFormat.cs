namespace Delivery.Formats.Compression;

/// <summary>
/// How a destination compresses the bytes it writes, as Firehose names the choices. The numbering is part of the
/// configuration contract: formats added later (Zip, Snappy, HadoopSnappy) get new values and never reuse one.
/// </summary>
public enum CompressionFormat
{
    /// <summary>The formatted bytes as they are (Firehose <c>UNCOMPRESSED</c>).</summary>
    Uncompressed = 0,

    /// <summary>A standard single-member gzip file, RFC 1952 (Firehose <c>GZIP</c>).</summary>
    Gzip = 1,
}
