namespace Delivery.Formats.Parquet;

/// <summary>How the pages of a Parquet file are compressed (Firehose's ParquetSerDe <c>Compression</c>).</summary>
public enum ParquetCompression
{
    /// <summary>Pages as encoded (Parquet codec UNCOMPRESSED).</summary>
    Uncompressed = 0,

    /// <summary>Raw Snappy blocks per page (Parquet codec SNAPPY): the Firehose default and what engines decode fastest.</summary>
    Snappy = 1,

    /// <summary>A gzip member per page (Parquet codec GZIP): smaller, slower to write and read.</summary>
    Gzip = 2,
}
