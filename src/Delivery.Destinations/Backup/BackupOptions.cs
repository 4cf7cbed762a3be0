using System.ComponentModel.DataAnnotations;
using Delivery.Formats.Compression;

namespace Delivery.Destinations.Backup;

/// <summary>
/// The backup bucket of one pipeline (<c>Delivery:Pipelines:&lt;name&gt;:Backup</c>): where records that could not be
/// transformed, converted or delivered are written, with their original bytes and the error, in Firehose's
/// failed-record format.
/// </summary>
public sealed class BackupOptions
{
    /// <summary>The default error output prefix: one folder per error output type, then the UTC hour.</summary>
    public const string DefaultErrorOutputPrefix = "!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/";

    /// <summary>
    /// The bucket. Optional with an S3 destination: failed records then go to the destination's bucket, as Firehose does.
    /// Required for every other destination.
    /// </summary>
    [MaxLength(63)]
    public string? BucketName { get; set; }

    /// <summary>
    /// Prefix of failed-record objects, with the same expressions as the S3 prefix plus
    /// <c>!{firehose:error-output-type}</c>. Default <see cref="DefaultErrorOutputPrefix"/>; at most 512 characters.
    /// </summary>
    [Required(AllowEmptyStrings = true)]
    [MaxLength(512)]
    public string ErrorOutputPrefix { get; set; } = DefaultErrorOutputPrefix;

    /// <summary>
    /// Prefix of source-record backup objects (S3 or Redshift <c>S3BackupMode</c> Enabled, HTTP <c>AllData</c>): every
    /// record as read, before transformation, named like S3 destination objects. Same rules as the S3 prefix; default ""
    /// (the time path follows directly).
    /// </summary>
    [Required(AllowEmptyStrings = true)]
    [MaxLength(512)]
    public string Prefix { get; set; } = "";

    /// <summary>Compression of backup objects. Default Gzip.</summary>
    [EnumDataType(typeof(CompressionFormat))]
    public CompressionFormat CompressionFormat { get; set; } = CompressionFormat.Gzip;

    /// <summary>A copy of these settings, every one of them kept, with <see cref="BucketName"/> set to <paramref name="bucketName"/>.</summary>
    public BackupOptions WithBucketName(string bucketName)
    {
        var copy = (BackupOptions)MemberwiseClone();
        copy.BucketName = bucketName;
        return copy;
    }
}
