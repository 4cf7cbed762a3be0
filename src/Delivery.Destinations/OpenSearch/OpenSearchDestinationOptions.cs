using System.ComponentModel.DataAnnotations;

namespace Delivery.Destinations.OpenSearch;

/// <summary>
/// Delivery to Amazon OpenSearch Service, OpenSearch or Elasticsearch through the <c>_bulk</c> API, as Firehose's
/// OpenSearch Service destination does it. Bound from <c>Delivery:Pipelines:&lt;name&gt;:OpenSearch</c> and checked at
/// start by <see cref="OpenSearchDestinationOptionsValidator"/>.
/// </summary>
public sealed class OpenSearchDestinationOptions
{
    /// <summary>Firehose's limit on the index name: 80 characters, before the rotation suffix.</summary>
    public const int MaxIndexNameLength = 80;

    /// <summary>Firehose's limit on the type name: 100 characters.</summary>
    public const int MaxTypeNameLength = 100;

    /// <summary>The largest buffer an OpenSearch pipeline may cut, in MiB (Firehose: 1-100).</summary>
    public const int MaxBufferSizeInMBs = 100;

    /// <summary>
    /// The cluster's endpoint, such as <c>https://search-logs-abc123.eu-west-1.es.amazonaws.com</c>; requests go to
    /// its path followed by <c>/_bulk</c>. Required. https unless <see cref="AllowPlainHttp"/> is set; no user info,
    /// query or fragment (a password goes in the environment variable <see cref="OpenSearchAuthenticationOptions.PasswordVariable"/> names).
    /// </summary>
    [Required]
    public Uri? Endpoint { get; set; }

    /// <summary>
    /// The index documents go to, before the rotation suffix. Required; 1 to 80 characters, lowercase, without
    /// <c>\ / * ? " &lt; &gt; | , #</c>, spaces or a leading <c>-</c>, <c>_</c> or <c>+</c>, as OpenSearch requires.
    /// </summary>
    [Required]
    [StringLength(MaxIndexNameLength, MinimumLength = 1)]
    public string IndexName { get; set; } = "";

    /// <summary>
    /// The mapping type sent as <c>_type</c> with every document, for Elasticsearch 6.x and earlier (one type per
    /// index; 7.x accepts <c>_doc</c>). Default none: no <c>_type</c>, as OpenSearch and Elasticsearch 8 require.
    /// </summary>
    [MaxLength(MaxTypeNameLength)]
    public string? TypeName { get; set; }

    /// <summary>
    /// How often a new index starts: the UTC arrival time of each record is appended to <see cref="IndexName"/>
    /// (<c>-yyyy-MM-dd-HH</c>, <c>-yyyy-MM-dd</c>, <c>-yyyy-'w'ww</c>, <c>-yyyy-MM</c>). Default
    /// <see cref="OpenSearchIndexRotation.OneDay"/>, as in Firehose.
    /// </summary>
    [EnumDataType(typeof(OpenSearchIndexRotation))]
    public OpenSearchIndexRotation IndexRotationPeriod { get; set; } = OpenSearchIndexRotation.OneDay;

    /// <summary>
    /// Default <see cref="OpenSearchDocumentIds.Deterministic"/>: each document's <c>_id</c> derives from its record's
    /// place in the stream, so a batch sent again overwrites its documents. <see cref="OpenSearchDocumentIds.None"/>
    /// lets the cluster choose ids (Firehose's NO_DOCUMENT_ID): faster indexing, but a batch sent again after a crash
    /// is indexed twice.
    /// </summary>
    [EnumDataType(typeof(OpenSearchDocumentIds))]
    public OpenSearchDocumentIds DocumentIdFormat { get; set; } = OpenSearchDocumentIds.Deterministic;

    /// <summary>
    /// How long a bulk request's documents are retried after its first attempt, in seconds, before those still refused
    /// go to the backup bucket under <c>AmazonOpenSearchService-failed/</c>. Default 300; 0 (one attempt) to 7200.
    /// </summary>
    [Range(0, 7200)]
    public int RetryDurationSeconds { get; set; } = 300;

    /// <summary>How long one attempt may take, from sending to the end of the response, in seconds. Default 180; 1 to 900.</summary>
    [Range(1, 900)]
    public int RequestTimeoutSeconds { get; set; } = 180;

    /// <summary>How long opening a connection (TCP and TLS) may take, in seconds. Default 10; 1 to 300.</summary>
    [Range(1, 300)]
    public int ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// The largest bulk request body, in MiB: a batch larger than this is sent as several requests. Default 10, the
    /// smallest payload limit of Amazon OpenSearch Service instance types; 1 to 100. A single document larger than
    /// this is sent alone.
    /// </summary>
    [Range(1, 100)]
    public int MaxBulkRequestSizeInMBs { get; set; } = 10;

    /// <summary>
    /// Allows an http:// <see cref="Endpoint"/>. Default false: documents and credentials travel over TLS only. Meant
    /// for a cluster on the same host or private network.
    /// </summary>
    public bool AllowPlainHttp { get; set; }

    /// <summary>
    /// Default <see cref="OpenSearchBackupMode.FailedDocumentsOnly"/>; FailedDocumentsOnly or AllDocuments (every
    /// source record also goes to the pipeline's backup bucket under <c>Backup:Prefix</c>).
    /// </summary>
    [EnumDataType(typeof(OpenSearchBackupMode))]
    public OpenSearchBackupMode S3BackupMode { get; set; } = OpenSearchBackupMode.FailedDocumentsOnly;

    /// <summary>How requests prove who sends them: SigV4 (the default), basic auth or none.</summary>
    [Required]
#pragma warning disable SYSLIB1212 // OpenSearchDestinationOptionsValidator validates it, annotations included, with its key path.
    public OpenSearchAuthenticationOptions Authentication { get; set; } = new();
#pragma warning restore SYSLIB1212

    /// <summary>The endpoint without user info, query or fragment: what logs, errors and the status page show.</summary>
    public string RedactedEndpoint() => Endpoint is null
        ? "(none)"
        : Endpoint.IsAbsoluteUri ? Endpoint.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : "(relative URL)";
}

/// <summary>How a request to the cluster is authenticated.</summary>
public sealed class OpenSearchAuthenticationOptions
{
    /// <summary>Default <see cref="OpenSearchAuthenticationMode.SigV4"/>, for Amazon OpenSearch Service.</summary>
    [EnumDataType(typeof(OpenSearchAuthenticationMode))]
    public OpenSearchAuthenticationMode Mode { get; set; } = OpenSearchAuthenticationMode.SigV4;

    /// <summary>The region requests are signed for with SigV4. Default <c>Delivery:Aws:Region</c>.</summary>
    [RegularExpression("^[a-z0-9-]+$", ErrorMessage = "Region must look like 'eu-west-1'.")]
    public string? Region { get; set; }

    /// <summary>
    /// The service name requests are signed for with SigV4: <c>es</c> (Amazon OpenSearch Service, the default) or
    /// <c>aoss</c> (OpenSearch Serverless).
    /// </summary>
    [RegularExpression("^(es|aoss)$", ErrorMessage = "Service must be 'es' (OpenSearch Service) or 'aoss' (OpenSearch Serverless).")]
    public string Service { get; set; } = "es";

    /// <summary>The user of basic auth (Mode Basic); no ':'.</summary>
    [MaxLength(1024)]
    public string? Username { get; set; }

    /// <summary>
    /// The name of the environment variable that holds the password of basic auth (Mode Basic), such as
    /// <c>OPENSEARCH_PASSWORD</c>: the password itself is read from the environment only, never from configuration,
    /// and is never logged.
    /// </summary>
    [RegularExpression("^[A-Za-z_][A-Za-z0-9_]*$", ErrorMessage = "PasswordVariable must be an environment variable name: letters, digits and '_', not starting with a digit.")]
    public string? PasswordVariable { get; set; }
}

/// <summary>Firehose's <c>IndexRotationPeriod</c>.</summary>
public enum OpenSearchIndexRotation
{
    /// <summary>Always <see cref="OpenSearchDestinationOptions.IndexName"/>.</summary>
    NoRotation,

    /// <summary><c>name-yyyy-MM-dd-HH</c>.</summary>
    OneHour,

    /// <summary><c>name-yyyy-MM-dd</c>.</summary>
    OneDay,

    /// <summary><c>name-yyyy-'w'ww</c>, weeks starting on Sunday, week 1 holding January 1st.</summary>
    OneWeek,

    /// <summary><c>name-yyyy-MM</c>.</summary>
    OneMonth,
}

/// <summary>Where a document's <c>_id</c> comes from; Firehose's <c>DocumentIdOptions</c>.</summary>
public enum OpenSearchDocumentIds
{
    /// <summary>From the record's stream, shard, sequence and subsequence number: the same on every attempt and after a restart.</summary>
    Deterministic,

    /// <summary>No <c>_id</c>: the cluster makes one up for every document it indexes.</summary>
    None,
}

/// <summary>Firehose's <c>S3BackupMode</c> for OpenSearch.</summary>
public enum OpenSearchBackupMode
{
    /// <summary>Only documents that could not be indexed go to the backup bucket.</summary>
    FailedDocumentsOnly,

    /// <summary>Every source record as well, before transformation, under the backup prefix.</summary>
    AllDocuments,
}

/// <summary>How requests to the cluster are authenticated.</summary>
public enum OpenSearchAuthenticationMode
{
    /// <summary>AWS Signature Version 4 with the worker's credentials (task role, profile...), for Amazon OpenSearch Service.</summary>
    SigV4,

    /// <summary>HTTP basic auth with Username and the password in PasswordVariable, for a self-managed cluster with the security plugin.</summary>
    Basic,

    /// <summary>No authentication, for a cluster on a private network that asks for none.</summary>
    None,
}
