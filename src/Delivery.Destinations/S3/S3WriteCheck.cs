using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Destinations.Checks;
using Microsoft.Extensions.Logging;

namespace Delivery.Destinations.S3;

/// <summary>
/// Checks at start that a bucket takes writes under a prefix: a zero-byte PutObject of <see cref="ProbeName"/> under the
/// prefix's literal part (with the writers' encryption), then a DeleteObject of it. The put needs only the permissions
/// writing needs, and proves the bucket exists, the credentials are accepted and the prefix may be written. The delete keeps the bucket as it was;
/// it is the one extra permission, on that key only, and when it is refused the check still passes (the empty object
/// stays, and a warning says how to grant it).
/// </summary>
public sealed class S3WriteCheck : IDestinationCheck
{
    /// <summary>The name of the probe object; keys ending in it are never data.</summary>
    public const string ProbeName = ".delivery-write-check";

    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _key;
    private readonly ILogger _logger;
    private readonly S3EncryptionConfiguration? _encryption;

    /// <param name="s3">The client the writers use.</param>
    /// <param name="bucket">The bucket.</param>
    /// <param name="prefix">The prefix objects are written under, expressions included.</param>
    /// <param name="setting">The configuration key that names the bucket.</param>
    /// <param name="logger">Receives a warning when the probe cannot be removed.</param>
    /// <param name="encryption">
    /// The encryption the writers ask for. The probe asks for it too, so a KMS key the worker may not use (or a bucket
    /// policy that refuses other encryption) fails the check instead of the first batch.
    /// </param>
    public S3WriteCheck(IAmazonS3 s3, string bucket, string prefix, string setting, ILogger<S3WriteCheck> logger, S3EncryptionConfiguration? encryption = null)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentException.ThrowIfNullOrEmpty(bucket);
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentException.ThrowIfNullOrEmpty(setting);
        ArgumentNullException.ThrowIfNull(logger);
        _s3 = s3;
        _bucket = bucket;
        _key = ProbeKey(prefix);
        _logger = logger;
        _encryption = encryption;
        Setting = setting;
    }

    public string Setting { get; }

    public string Target => $"s3://{_bucket}/{_key}";

    /// <summary>
    /// The probe's key: the prefix up to its first expression (<c>!{...}</c>), then <see cref="ProbeName"/>. It stays
    /// within whatever part of the bucket a policy scoped to the prefix allows.
    /// </summary>
    public static string ProbeKey(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        int expression = prefix.IndexOf("!{", StringComparison.Ordinal);
        return (expression < 0 ? prefix : prefix[..expression]) + ProbeName;
    }

    public async Task<CheckOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var probe = new PutObjectRequest { BucketName = _bucket, Key = _key, ContentBody = "", UseChunkEncoding = false };
        _encryption?.ApplyTo(probe);
        try
        {
            await _s3.PutObjectAsync(probe, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested &&
            S3Failures.Classify(exception, "PutObject", _bucket, _key) is { } failure)
        {
            // The same judgement the writer makes: what S3 refuses for good here, it would refuse for every batch.
            return failure.Kind == FailureKind.Permanent ? CheckOutcome.Permanent(failure.Message) : CheckOutcome.Transient(failure.Message);
        }

        await DeleteProbeAsync(cancellationToken).ConfigureAwait(false);
        return CheckOutcome.Ok;
    }

    private async Task DeleteProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = _key }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested &&
            S3Failures.Classify(exception, "DeleteObject", _bucket, _key) is { } failure)
        {
            Log.ProbeNotDeleted(_logger, _bucket, _key, failure.ErrorCode, exception);
        }
    }
}
