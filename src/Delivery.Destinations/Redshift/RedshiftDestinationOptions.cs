using System.ComponentModel.DataAnnotations;
using Delivery.Destinations.S3;

namespace Delivery.Destinations.Redshift;

/// <summary>How staged batches get into the database.</summary>
public enum RedshiftLoader
{
    /// <summary>Redshift's <c>COPY table FROM 's3://.../manifest' ... MANIFEST</c>: the cluster reads the staged objects itself.</summary>
    RedshiftCopy,

    /// <summary>
    /// PostgreSQL's <c>COPY table FROM STDIN</c>: the worker reads the objects named in the manifest and streams them to
    /// the server. For a PostgreSQL warehouse, and for testing the whole path against a real database.
    /// </summary>
    PostgreSqlCopyFromStdin,
}

/// <summary>
/// Delivery to Amazon Redshift (or PostgreSQL) through COPY: each batch is staged as one object plus a COPY manifest in
/// an intermediate bucket, then loaded in one transaction. Bound from <c>Delivery:Pipelines:&lt;name&gt;:Redshift</c> and
/// checked at start by <see cref="RedshiftDestinationOptionsValidator"/>.
/// </summary>
public sealed class RedshiftDestinationOptions
{
    /// <summary>
    /// An Npgsql connection string: <c>Host=...;Port=5439;Database=...;Username=...;Password=...;SSL Mode=Require</c>.
    /// Required. A secret: pass it through an environment variable. It is never logged; logs show host and database only.
    /// </summary>
    [Required]
    public string ConnectionString { get; set; } = "";

    /// <summary>The table rows go to, optionally schema-qualified (<c>analytics.events</c>). Required; plain identifiers only.</summary>
    [Required]
    public string Table { get; set; } = "";

    /// <summary>The columns COPY fills, in the order of the fields in each record. Default none: every column, in table order.</summary>
    public List<string> Columns { get; set; } = [];

    /// <summary>
    /// Columns that identify a row. When set, every load goes through a temporary staging table and only rows whose key
    /// is not already in <see cref="Table"/> are inserted, in the same transaction: a batch loaded twice (retry, restart)
    /// never doubles rows. Key values must not be NULL. Default none: COPY straight into the table, at least once, as
    /// Firehose does.
    /// </summary>
    public List<string> KeyColumns { get; set; } = [];

    /// <summary>
    /// Options after <c>MANIFEST</c> (Redshift) or <c>FROM STDIN</c> (PostgreSQL), such as <c>FORMAT AS JSON 'auto'</c>
    /// or <c>CSV</c>. Default "" (the database's default text format). <c>GZIP</c> is added for Redshift when the
    /// staged objects are gzip. Must not contain ';'.
    /// </summary>
    [MaxLength(4096)]
    public string CopyOptions { get; set; } = "";

    /// <summary>
    /// The IAM role Redshift assumes to read the intermediate bucket (<c>IAM_ROLE '...'</c>). Default none: COPY gets
    /// the worker's own AWS credentials (short-lived when they come from a task role). Not used by the PostgreSQL loader.
    /// </summary>
    [MaxLength(2048)]
    public string? IamRoleArn { get; set; }

    /// <summary>Default <see cref="RedshiftLoader.RedshiftCopy"/>; RedshiftCopy or PostgreSqlCopyFromStdin.</summary>
    [EnumDataType(typeof(RedshiftLoader))]
    public RedshiftLoader Loader { get; set; } = RedshiftLoader.RedshiftCopy;

    /// <summary>
    /// How long a load is retried after its first attempt, in seconds, before the manifest goes under
    /// <see cref="ErrorManifestPrefix"/> and the records to the backup bucket under <c>redshift-failed/</c>. Default 3600; 0 to 7200.
    /// </summary>
    [Range(0, 7200)]
    public int RetryDurationSeconds { get; set; } = 3600;

    /// <summary>How long one load transaction may run, in seconds. Default 600; 1 to 86400.</summary>
    [Range(1, 86400)]
    public int CommandTimeoutSeconds { get; set; } = 600;

    /// <summary>
    /// The intermediate bucket: where batches are staged (object and manifest) before COPY. Required; its BucketName,
    /// Prefix and CompressionFormat (Gzip or Uncompressed; Redshift takes neither Snappy nor ZIP here) apply.
    /// </summary>
    [Required]
#pragma warning disable SYSLIB1212 // RedshiftDestinationOptionsValidator runs the S3 validator on it, annotations included, with its key path.
    public S3DestinationOptions? IntermediateS3 { get; set; }
#pragma warning restore SYSLIB1212

    /// <summary>
    /// Where, in the intermediate bucket, the manifest of a batch that could not be loaded is copied, for a later
    /// backfill with COPY. Default <c>errors/manifests/</c>; the time path follows as for S3 prefixes.
    /// </summary>
    [MaxLength(S3DestinationOptions.MaxPrefixLength)]
    public string ErrorManifestPrefix { get; set; } = "errors/manifests/";

    /// <summary>
    /// Default <see cref="SourceRecordBackup.Disabled"/>. Enabled also writes every source record, before transformation,
    /// to the pipeline's backup bucket under <c>Backup:Prefix</c>.
    /// </summary>
    [EnumDataType(typeof(SourceRecordBackup))]
    public SourceRecordBackup S3BackupMode { get; set; } = SourceRecordBackup.Disabled;
}
