using System.ComponentModel.DataAnnotations;
using Delivery.Destinations.S3;
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

    /// <summary>
    /// Server-side encryption of failed-record and source-record backup objects, as the destination's
    /// <c>EncryptionConfiguration</c>. Default: with a bucket of its own, none (the bucket's default encryption
    /// applies); without one, the S3 destination's, since the objects then go to its bucket.
    /// </summary>
#pragma warning disable SYSLIB1212 // Checked by BackupOptionsValidator, which reports its settings with key paths.
    public S3EncryptionConfiguration? EncryptionConfiguration { get; set; }
#pragma warning restore SYSLIB1212

    /// <summary>
    /// A copy of these settings, every one of them kept, with <see cref="BucketName"/> set to <paramref name="bucketName"/>
    /// and, when none is set, <see cref="EncryptionConfiguration"/> set to <paramref name="encryption"/>.
    /// </summary>
    public BackupOptions WithBucketName(string bucketName, S3EncryptionConfiguration? encryption = null)
    {
        var copy = (BackupOptions)MemberwiseClone();
        copy.BucketName = bucketName;
        copy.EncryptionConfiguration ??= encryption;
        return copy;
    }
}
