using System.ComponentModel.DataAnnotations;
using System.Net;

namespace Delivery.DirectPut;

/// <summary>
/// The Direct PUT listener: one HTTP endpoint per worker that speaks Firehose's API (PutRecord, PutRecordBatch,
/// DescribeDeliveryStream, ListDeliveryStreams) for every pipeline that accepts Direct PUT, as Firehose's regional
/// endpoint serves every delivery stream. Bound from <c>Delivery:DirectPut</c>. Off by default.
/// </summary>
public sealed class DirectPutOptions : IValidatableObject
{
    /// <summary>Serve the Firehose API. Default false; each pipeline also opts in with its own <c>DirectPut:Enabled</c>.</summary>
    public bool Enabled { get; set; }

    /// <summary>TCP port. Default 8081; 1 to 65535, or 0 for any free port (the port chosen is logged, event 5001).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 8081;

    /// <summary>
    /// IP address to listen on. Default 127.0.0.1 (producers on this host only); 0.0.0.0 listens on every interface.
    /// The listener speaks plain HTTP: put TLS in front of it (a load balancer or a sidecar) for any other network.
    /// </summary>
    [Required]
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>How producers prove who they are: SigV4 with configured key pairs (the default), or explicitly none.</summary>
    [Required]
    public DirectPutAuthenticationOptions Authentication { get; set; } = new();

    /// <summary>
    /// Requests handled at once. Default 16; 1 to 1024. Each holds its body (up to about 6 MiB for a full batch) until
    /// Kinesis has stored its records, outside <c>MemoryBudgetMiB</c>; a request beyond the limit is refused with
    /// <c>ServiceUnavailableException</c>, which the AWS SDKs and the Kinesis Agent retry with backoff.
    /// </summary>
    [Range(1, 1024)]
    public int MaxConcurrentRequests { get; set; } = 16;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IPAddress.TryParse(ListenAddress, out _))
        {
            yield return new ValidationResult($"value '{ListenAddress}' is not an IP address; use 127.0.0.1 (this host only) or 0.0.0.0 (every interface).", [nameof(ListenAddress)]);
        }
    }
}

/// <summary>How Direct PUT requests are authenticated (<c>Delivery:DirectPut:Authentication</c>).</summary>
public sealed class DirectPutAuthenticationOptions
{
    /// <summary>
    /// <see cref="DirectPutAuthenticationMode.SigV4"/> (the default): every request must carry a valid Signature
    /// Version 4 signature by one of <see cref="Keys"/>, for service <c>firehose</c> and the worker's region.
    /// <see cref="DirectPutAuthenticationMode.None"/> accepts anyone who can reach the port: for a private network only,
    /// and only when written out.
    /// </summary>
    public DirectPutAuthenticationMode Mode { get; set; } = DirectPutAuthenticationMode.SigV4;

    /// <summary>The key pairs that may sign requests (SigV4 only). Default none, which SigV4 does not allow.</summary>
    [Required]
    public List<DirectPutKeyOptions> Keys { get; set; } = [];
}

/// <summary>How Direct PUT requests are authenticated.</summary>
public enum DirectPutAuthenticationMode
{
    /// <summary>AWS Signature Version 4 against the configured key pairs.</summary>
    SigV4,

    /// <summary>No authentication: anyone who reaches the port may put records.</summary>
    None,
}

/// <summary>One key pair producers sign with. The secret never sits in configuration: it is read from an environment variable.</summary>
public sealed class DirectPutKeyOptions
{
    /// <summary>The access key id producers send (16 to 128 letters and digits), such as <c>AKIAIOSFODNN7EXAMPLE</c>. Required.</summary>
    [Required(AllowEmptyStrings = false)]
    [RegularExpression("^[A-Za-z0-9]{16,128}$", ErrorMessage = "AccessKeyId must be 16 to 128 letters and digits, like AKIAIOSFODNN7EXAMPLE.")]
    public string AccessKeyId { get; set; } = "";

    /// <summary>
    /// The name of the environment variable that holds the secret access key, such as <c>DIRECT_PUT_SECRET_1</c>.
    /// Required; the variable must be set when the worker starts.
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    [RegularExpression("^[A-Za-z_][A-Za-z0-9_]*$", ErrorMessage = "SecretAccessKeyVariable must be an environment variable name: letters, digits and '_', not starting with a digit.")]
    public string SecretAccessKeyVariable { get; set; } = "";
}

/// <summary>
/// Whether a pipeline accepts Direct PUT (<c>Delivery:Pipelines:&lt;name&gt;:DirectPut</c>). Its Direct PUT log is the
/// stream it reads (<c>Kinesis:StreamName</c>): a call is acknowledged once its records are stored there, and they are
/// then read, buffered and delivered like every other record of the stream.
/// </summary>
public sealed class PipelineDirectPutOptions
{
    /// <summary>Accept PutRecord and PutRecordBatch under the pipeline's name. Default false.</summary>
    public bool Enabled { get; set; }
}
