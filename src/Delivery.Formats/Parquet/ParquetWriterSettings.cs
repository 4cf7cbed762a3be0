namespace Delivery.Formats.Parquet;

/// <summary>
/// How the Parquet encoder lays a file out. The defaults are Firehose's: 1 MiB pages and 256 MiB row groups (blocks),
/// Snappy pages, dictionary encoding with fallback to plain. Small values are accepted here so tests can force many
/// pages and row groups; the destination's configuration enforces Firehose's minimums.
/// </summary>
public sealed record ParquetWriterSettings
{
    /// <summary>Default <see cref="ParquetCompression.Snappy"/>.</summary>
    public ParquetCompression Compression { get; init; } = ParquetCompression.Snappy;

    /// <summary>
    /// A data page is closed once its encoded values reach this many bytes (checked between records, so a page may run
    /// over by one record). Default 1 MiB; at least 1 KiB.
    /// </summary>
    public int PageSizeBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// A row group is closed once its encoded columns reach this many bytes (checked between records). Default 256 MiB;
    /// at least 1 KiB. A whole batch usually fits in one.
    /// </summary>
    public long BlockSizeBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>
    /// A column chunk's dictionary may grow to this many plain-encoded bytes; past it the column falls back to plain
    /// encoding for the rest of the row group. Default 1 MiB; at least 1 KiB.
    /// </summary>
    public int DictionaryPageSizeLimitBytes { get; init; } = 1024 * 1024;

    /// <summary>A page is also closed after this many rows, so readers can skip within a row group. Default 20000; at least 1.</summary>
    public int PageRowLimit { get; init; } = 20_000;

    /// <summary>Try dictionary encoding for every column but booleans. Default true.</summary>
    public bool EnableDictionary { get; init; } = true;

    internal void Validate()
    {
        if (!Enum.IsDefined(Compression))
        {
            throw new ArgumentOutOfRangeException(nameof(Compression), Compression, "Not a defined Parquet compression.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(PageSizeBytes, 1024, nameof(PageSizeBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(BlockSizeBytes, 1024, nameof(BlockSizeBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(DictionaryPageSizeLimitBytes, 1024, nameof(DictionaryPageSizeLimitBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(PageRowLimit, 1, nameof(PageRowLimit));
    }
}
