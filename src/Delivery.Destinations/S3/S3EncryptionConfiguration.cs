using System.Text.RegularExpressions;
using Amazon.S3;
using Amazon.S3.Model;

namespace Delivery.Destinations.S3;

/// <summary>
/// Server-side encryption of the objects a bucket gets, in the shape of Firehose's <c>EncryptionConfiguration</c>:
/// either <see cref="NoEncryptionConfig"/> <c>NoEncryption</c> (no encryption header is sent, so the bucket's default
/// encryption applies) or <see cref="KMSEncryptionConfig"/> with a KMS key ARN (every PutObject and
/// CreateMultipartUpload carries <c>x-amz-server-side-encryption: aws:kms</c> and the key). Not both. Beyond Firehose,
/// <see cref="ServerSideEncryption"/> asks for SSE-S3 (<c>AES256</c>), or SSE-KMS under the account's AWS managed key.
/// </summary>
public sealed partial class S3EncryptionConfiguration
{
    /// <summary>The one value of <see cref="NoEncryptionConfig"/>.</summary>
    public const string NoEncryption = "NoEncryption";

    /// <summary>
    /// <c>NoEncryption</c>, or unset. Default unset; either way no encryption header is sent unless
    /// <see cref="KMSEncryptionConfig"/> is set.
    /// </summary>
    public string? NoEncryptionConfig { get; set; }

    /// <summary>SSE-KMS with a customer key. Default none.</summary>
    public KmsEncryptionConfig? KMSEncryptionConfig { get; set; }

    /// <summary>
    /// The <c>x-amz-server-side-encryption</c> value to send: <c>AES256</c> (SSE-S3, keys managed by S3) or
    /// <c>aws:kms</c> (SSE-KMS; under <see cref="KMSEncryptionConfig"/>'s key, or the account's <c>aws/s3</c> key
    /// without one). Default: <c>aws:kms</c> with <see cref="KMSEncryptionConfig"/>, otherwise none. Not in Firehose,
    /// which has no SSE-S3 setting of its own.
    /// </summary>
    public string? ServerSideEncryption { get; set; }

    /// <summary>The one value of <see cref="ServerSideEncryption"/> for SSE-S3.</summary>
    public const string Aes256 = "AES256";

    /// <summary>The one value of <see cref="ServerSideEncryption"/> for SSE-KMS.</summary>
    public const string AwsKms = "aws:kms";

    /// <summary>The key ARN objects are encrypted with, or null when the bucket's default (or S3's own key) applies.</summary>
    public string? KmsKeyArn => KMSEncryptionConfig?.AWSKMSKeyARN is { Length: > 0 } arn ? arn : null;

    /// <summary>The <c>x-amz-server-side-encryption</c> value writes send, or null for none (the bucket's default applies).</summary>
    public string? Method => ServerSideEncryption is { Length: > 0 } method ? method : KmsKeyArn is null ? null : AwsKms;

    /// <summary>
    /// What is wrong with <paramref name="configuration"/>, as (setting under it, problem) pairs; none when it is valid
    /// or absent. Firehose's rules: one of the two, <c>NoEncryption</c> spelt so, and a KMS key ARN of at most 512
    /// characters matching <c>arn:...:kms:region:account:key/...</c> (or <c>alias/...</c>).
    /// </summary>
    public static IEnumerable<(string Setting, string Problem)> Problems(S3EncryptionConfiguration? configuration)
    {
        if (configuration is null)
        {
            yield break;
        }

        if (configuration.NoEncryptionConfig is { } none && none != NoEncryption)
        {
            yield return (nameof(NoEncryptionConfig), $"'{none}' is not a value of NoEncryptionConfig; the only one is '{NoEncryption}'.");
        }

        switch (configuration.ServerSideEncryption)
        {
            case null or "":
                break;
            case Aes256 or AwsKms when configuration.NoEncryptionConfig is not null:
                yield return (nameof(ServerSideEncryption), $"is set together with NoEncryptionConfig; set one of them.");
                break;
            case Aes256 when configuration.KMSEncryptionConfig is not null:
                yield return (nameof(ServerSideEncryption), $"is {Aes256} (SSE-S3), which takes no KMS key: remove KMSEncryptionConfig, or set '{AwsKms}'.");
                break;
            case Aes256 or AwsKms:
                break;
            default:
                yield return (nameof(ServerSideEncryption), $"'{configuration.ServerSideEncryption}' is not a server-side encryption S3 takes here: use '{Aes256}' (SSE-S3) or '{AwsKms}' (SSE-KMS).");
                break;
        }

        if (configuration.KMSEncryptionConfig is not { } kms)
        {
            yield break;
        }

        if (configuration.NoEncryptionConfig is not null)
        {
            yield return (nameof(KMSEncryptionConfig), $"is set together with NoEncryptionConfig; set one of them, as in Firehose.");
        }

        const string Key = $"{nameof(KMSEncryptionConfig)}:{nameof(KmsEncryptionConfig.AWSKMSKeyARN)}";
        if (string.IsNullOrEmpty(kms.AWSKMSKeyARN))
        {
            yield return (Key, "is required with KMSEncryptionConfig: the ARN of the KMS key, such as arn:aws:kms:eu-west-1:123456789012:key/<key id>.");
        }
        else if (kms.AWSKMSKeyARN.Length > 512 || !KmsKeyArnPattern().IsMatch(kms.AWSKMSKeyARN))
        {
            yield return (Key, $"'{kms.AWSKMSKeyARN}' is not a KMS key ARN (arn:<partition>:kms:<region>:<12-digit account>:key/<id> or :alias/<name>, at most 512 characters).");
        }
    }

    /// <summary>Asks S3 to encrypt the object as configured (the method, and the KMS key when there is one).</summary>
    public void ApplyTo(PutObjectRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Method is { } method)
        {
            request.ServerSideEncryptionMethod = ServerSideEncryptionMethod.FindValue(method);
            request.ServerSideEncryptionKeyManagementServiceKeyId = KmsKeyArn;
        }
    }

    /// <summary>
    /// Asks S3 to encrypt the upload's object as configured. The parts need no header of their own: for SSE-S3 and
    /// SSE-KMS, S3 takes the encryption from the initiate call.
    /// </summary>
    public void ApplyTo(InitiateMultipartUploadRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Method is { } method)
        {
            request.ServerSideEncryptionMethod = ServerSideEncryptionMethod.FindValue(method);
            request.ServerSideEncryptionKeyManagementServiceKeyId = KmsKeyArn;
        }
    }

    // Firehose's pattern for AWSKMSKeyARN (API reference, KMSEncryptionConfig).
    [GeneratedRegex(@"^arn:.*:kms:[a-zA-Z0-9\-]+:\d{12}:(key|alias)/[a-zA-Z_0-9+=,.@\-_/]+$")]
    private static partial Regex KmsKeyArnPattern();
}

/// <summary>Firehose's <c>KMSEncryptionConfig</c>: the key S3 encrypts objects with.</summary>
public sealed class KmsEncryptionConfig
{
    /// <summary>The ARN of the KMS key, in the bucket's region. Required.</summary>
    public string AWSKMSKeyARN { get; set; } = "";
}
