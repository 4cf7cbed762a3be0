using System.ComponentModel.DataAnnotations;
using Delivery.Formats.Parquet;
using Delivery.Formats.Parquet.Json;
using Delivery.Formats.Parquet.Schema;

namespace Delivery.Destinations.S3;

/// <summary>The file format records are converted to (Firehose's OutputFormatConfiguration serializer).</summary>
public enum OutputFormat
{
    /// <summary>Apache Parquet, written by Delivery's own encoder.</summary>
    Parquet = 0,
}

/// <summary>
/// Converts JSON records to Parquet before they are written (<c>Delivery:Pipelines:&lt;name&gt;:S3:DataFormatConversion</c>),
/// like Firehose's DataFormatConversionConfiguration with the schema given here instead of a Glue table. A record that
/// does not fit the schema goes to the backup bucket as <c>format-conversion-failed</c>; the rest of the batch is delivered.
/// </summary>
public sealed class DataFormatConversionOptions
{
    /// <summary>Default true. False keeps the settings but writes the records as they are, as Firehose's <c>Enabled</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Default Parquet, the one format offered.</summary>
    [EnumDataType(typeof(OutputFormat))]
    public OutputFormat OutputFormat { get; set; } = OutputFormat.Parquet;

    /// <summary>The schema: top-level columns in file order. Required, at least one.</summary>
    [Required]
    [MinLength(1)]
    public List<ColumnOptions> Columns { get; set; } = [];

    /// <summary>The OpenX JSON SerDe options: case-insensitive keys, dots in keys, column-to-key mappings.</summary>
    [Required]
    public OpenXJsonOptions OpenXJson { get; set; } = new();

    /// <summary>
    /// How timestamp values are read, tried in order: <c>iso8601</c>, <c>millis</c>, <c>seconds</c> or Joda-Time patterns
    /// such as <c>yyyy-MM-dd'T'HH:mm:ss</c>. Default: iso8601 alone.
    /// </summary>
    public List<string> TimestampFormats { get; set; } = [];

    /// <summary>
    /// A string column that receives the top-level fields the schema does not name, as one JSON object. Default none:
    /// such fields are dropped, as Firehose does. Must differ from every column name.
    /// </summary>
    public string? CatchAllColumn { get; set; }

    /// <summary>Page compression inside the Parquet file. Default Snappy; Snappy, Gzip or Uncompressed.</summary>
    [EnumDataType(typeof(ParquetCompression))]
    public ParquetCompression Compression { get; set; } = ParquetCompression.Snappy;

    /// <summary>Target size of a data page. Default 1 MiB (1048576); 64 KiB to 64 MiB, as in Firehose.</summary>
    [Range(64 * 1024, 64 * 1024 * 1024)]
    public int PageSizeBytes { get; set; } = 1024 * 1024;

    /// <summary>Target size of a row group (Firehose's block size). Default 256 MiB (268435456); 64 MiB to 1 GiB.</summary>
    [Range(typeof(long), "67108864", "1073741824")]
    public long BlockSizeBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Dictionary-encode columns while the dictionary stays small and pays. Default true.</summary>
    public bool EnableDictionaryCompression { get; set; } = true;

    /// <summary>A column's dictionary may grow to this many bytes before the column falls back to plain. Default 1 MiB; 64 KiB to 64 MiB.</summary>
    [Range(64 * 1024, 64 * 1024 * 1024)]
    public int DictionaryPageSizeLimitBytes { get; set; } = 1024 * 1024;

    /// <summary>Builds the formatter these options describe; throws with the problem when they are invalid.</summary>
    public ParquetFormatter CreateFormatter() => new(
        [.. Columns.Select(column => new ParquetColumn(column.Name, column.Type, column.Nullable, column.TimestampUnit))],
        new JsonConversionOptions
        {
            CaseInsensitive = OpenXJson.CaseInsensitive,
            ConvertDotsInJsonKeysToUnderscores = OpenXJson.ConvertDotsInJsonKeysToUnderscores,
            ColumnToJsonKeyMappings = OpenXJson.ColumnToJsonKeyMappings,
            TimestampFormats = TimestampFormats,
            CatchAllColumn = string.IsNullOrEmpty(CatchAllColumn) ? null : CatchAllColumn,
        },
        new ParquetWriterSettings
        {
            Compression = Compression,
            PageSizeBytes = PageSizeBytes,
            BlockSizeBytes = BlockSizeBytes,
            EnableDictionary = EnableDictionaryCompression,
            DictionaryPageSizeLimitBytes = DictionaryPageSizeLimitBytes,
        });
}

/// <summary>One top-level column of the Parquet schema.</summary>
public sealed class ColumnOptions
{
    /// <summary>The column name. Required. Matched against JSON keys (see <see cref="OpenXJsonOptions"/>).</summary>
    [Required]
    public string Name { get; set; } = "";

    /// <summary>
    /// A Glue type: string, boolean, tinyint, smallint, int, bigint, float, double, decimal(p,s), date, timestamp, binary,
    /// struct&lt;name:type,...&gt;, array&lt;type&gt; or map&lt;key,type&gt;. Required.
    /// </summary>
    [Required]
    public string Type { get; set; } = "";

    /// <summary>Default true. When false, a record without a value for the column goes to the backup bucket.</summary>
    public bool Nullable { get; set; } = true;

    /// <summary>Precision of the timestamps in this column. Default Milliseconds; or Microseconds.</summary>
    [EnumDataType(typeof(TimestampUnit))]
    public TimestampUnit TimestampUnit { get; set; } = TimestampUnit.Milliseconds;
}

/// <summary>Firehose's OpenXJsonSerDe settings.</summary>
public sealed class OpenXJsonOptions
{
    /// <summary>Match keys ignoring case. Default true.</summary>
    public bool CaseInsensitive { get; set; } = true;

    /// <summary>Read a key <c>a.b</c> as <c>a_b</c>. Default false.</summary>
    public bool ConvertDotsInJsonKeysToUnderscores { get; set; }

    /// <summary>Column name to JSON key, for top-level columns whose key differs from their name. Default none.</summary>
    public Dictionary<string, string> ColumnToJsonKeyMappings { get; set; } = [];
}
