using System.ComponentModel.DataAnnotations;
using System.IO.Compression;
using Delivery.Formats.Compression;

namespace Delivery.Destinations.S3;

/// <summary>
/// Where and how a pipeline writes its batches to S3, one object per batch. Bound from
/// <c>Delivery:Pipelines:&lt;name&gt;:S3</c> and checked at start by <see cref="S3DestinationOptionsValidator"/>.
/// </summary>
public sealed class S3DestinationOptions
{
    /// <summary>The most characters a prefix may have, as in Firehose.</summary>
    public const int MaxPrefixLength = 512;

    /// <summary>S3's smallest part size (every part but the last): 5 MiB.</summary>
    public const long MinPartSizeBytes = 5L * 1024 * 1024;

    /// <summary>S3's largest part size and largest single PUT: 5 GiB.</summary>
    public const long MaxPartSizeBytes = 5L * 1024 * 1024 * 1024;

    /// <summary>
    /// The bucket objects go to. Required; must follow S3 bucket naming (3-63 characters of lowercase letters, digits,
    /// '.' and '-', starting and ending with a letter or digit, not an IP address).
    /// </summary>
    [Required]
    public string BucketName { get; set; } = "";

    /// <summary>
    /// Prepended to every key. Default "" (keys start with the time path). At most 512 characters. Without expressions
    /// the default time path <c>yyyy/MM/dd/HH/</c> follows it directly (end it with '/' to make it a folder); with
    /// <c>!{timestamp:pattern}</c> expressions it is evaluated instead. See <see cref="S3ObjectKeyBuilder"/>.
    /// </summary>
    [MaxLength(MaxPrefixLength)]
    public string Prefix { get; set; } = "";

    /// <summary>
    /// Default <see cref="CompressionFormat.Gzip"/>. Uncompressed, Gzip (".gz"), Zip (".zip"), Snappy (framed, ".snappy")
    /// or HadoopSnappy (".hsnappy"). Must be Uncompressed with <see cref="DataFormatConversion"/>: Parquet compresses its pages.
    /// </summary>
    [EnumDataType(typeof(CompressionFormat))]
    public CompressionFormat CompressionFormat { get; set; } = CompressionFormat.Gzip;

    /// <summary>
    /// Default <see cref="System.IO.Compression.CompressionLevel.Fastest"/> (about three times the throughput of Optimal
    /// for a slightly larger object). Fastest, Optimal, SmallestSize or NoCompression; ignored when uncompressed.
    /// </summary>
    [EnumDataType(typeof(CompressionLevel))]
    public CompressionLevel CompressionLevel { get; set; } = CompressionLevel.Fastest;

    /// <summary>
    /// Written after every record. Default "\n" (newline-delimited JSON). Any string of at most 64 UTF-8 bytes; ""
    /// writes records back to back, as Firehose does when records carry their own newline.
    /// </summary>
    [Required(AllowEmptyStrings = true)]
    public string RecordDelimiter { get; set; } = "\n";

    /// <summary>
    /// Objects of at least this many bytes (after compression) are sent as a multipart upload, smaller ones with one
    /// PUT. Default 16 MiB (16777216); 5 MiB to 5 GiB.
    /// </summary>
    [Range(typeof(long), "5242880", "5368709120")]
    public long MultipartThresholdBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>The size of each part of a multipart upload but the last. Default 8 MiB (8388608); 5 MiB to 5 GiB.</summary>
    [Range(typeof(long), "5242880", "5368709120")]
    public long PartSizeBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>
    /// Default <see cref="SourceRecordBackup.Disabled"/>. Enabled also writes every source record, before transformation,
    /// to the pipeline's backup bucket under <c>Backup:Prefix</c>. Not used for a Redshift intermediate bucket.
    /// </summary>
    [EnumDataType(typeof(SourceRecordBackup))]
    public SourceRecordBackup S3BackupMode { get; set; } = SourceRecordBackup.Disabled;

    /// <summary>
    /// Server-side encryption of the objects, as Firehose's <c>EncryptionConfiguration</c>. Default none: no encryption
    /// header is sent and the bucket's default encryption applies. With <c>KMSEncryptionConfig:AWSKMSKeyARN</c> every
    /// object is written with SSE-KMS under that key (the task role then needs kms:GenerateDataKey and kms:Decrypt on it).
    /// </summary>
#pragma warning disable SYSLIB1212 // Checked by S3DestinationOptionsValidator, which reports its settings with key paths.
    public S3EncryptionConfiguration? EncryptionConfiguration { get; set; }
#pragma warning restore SYSLIB1212

    /// <summary>
    /// The IANA time zone (such as <c>Europe/Berlin</c>) the default time path, <c>!{timestamp:...}</c> expressions and
    /// the time in object names are written in. Default UTC. The time is still the arrival time of the batch's oldest
    /// record, so a batch written again gets the same key.
    /// </summary>
    [MaxLength(S3KeySettings.MaxTimeZoneLength)]
    public string? CustomTimeZone { get; set; }

    /// <summary>
    /// Replaces the extension object names end in (by default that of the format and compression, such as ".gz" or
    /// ".parquet"). Default none. Firehose's rules: a '.' then lowercase letters, digits and <c>! - _ . * ' ( )</c>,
    /// at most 128 characters.
    /// </summary>
    [MaxLength(S3KeySettings.MaxFileExtensionLength)]
    public string? FileExtension { get; set; }

    /// <summary>Converts records to Parquet before writing. Default none: records are written as they are (NDJSON).</summary>
    /// <remarks>Its annotations are checked by <see cref="S3DestinationOptionsValidator"/>, which reports them with key paths.</remarks>
#pragma warning disable SYSLIB1212 // Nested members are validated by hand so that failures carry "DataFormatConversion:Columns:0:Name" paths.
    public DataFormatConversionOptions? DataFormatConversion { get; set; }
#pragma warning restore SYSLIB1212

    /// <summary>True when records are converted to Parquet.</summary>
    public bool ConvertsFormat => DataFormatConversion is { Enabled: true };
}

/// <summary>Whether every source record is also kept in the backup bucket; Firehose's <c>S3BackupMode</c> for S3 and Redshift.</summary>
public enum SourceRecordBackup
{
    Disabled,
    Enabled,
}
