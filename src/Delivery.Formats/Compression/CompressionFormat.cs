namespace Delivery.Formats.Compression;

/// <summary>
/// How a destination compresses the bytes it writes, as Firehose names the choices. The numbering is part of the
/// configuration contract: formats added later (zstd, when a package for it restores) get new values and never reuse one.
/// </summary>
public enum CompressionFormat
{
    /// <summary>The formatted bytes as they are (Firehose <c>UNCOMPRESSED</c>).</summary>
    Uncompressed = 0,

    /// <summary>A standard single-member gzip file, RFC 1952 (Firehose <c>GZIP</c>).</summary>
    Gzip = 1,

    /// <summary>A ZIP archive with the batch as its one deflated entry (Firehose <c>ZIP</c>).</summary>
    Zip = 2,

    /// <summary>Snappy in the Snappy framing format (Firehose <c>Snappy</c>).</summary>
    Snappy = 3,

    /// <summary>Snappy in Hadoop's block framing (Firehose <c>HADOOP_SNAPPY</c>), readable by Hive, Spark and Athena.</summary>
    HadoopSnappy = 4,
}
