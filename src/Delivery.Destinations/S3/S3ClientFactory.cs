using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace Delivery.Destinations.S3;

/// <summary>Builds S3 clients configured the way Delivery writes objects, against AWS or an S3-compatible endpoint.</summary>
public static class S3ClientFactory
{
    /// <summary>Creates a client; see <see cref="CreateConfig"/> for its settings. The caller owns and disposes it.</summary>
    public static AmazonS3Client Create(AWSCredentials credentials, string region, Uri? endpoint = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return new AmazonS3Client(credentials, CreateConfig(region, endpoint));
    }

    /// <summary>
    /// The client configuration. Checksums are computed and validated only when an operation requires them: the SDK's
    /// default CRC32 over every body costs about half a core at gzip speeds, and SigV4 already signs the payload. With
    /// an <paramref name="endpoint"/> (LocalStack, s3rver, MinIO) requests use path-style addressing and sign for
    /// <paramref name="region"/>, since such endpoints have no per-bucket host names.
    /// </summary>
    /// <param name="region">The AWS region, such as "eu-west-1"; required.</param>
    /// <param name="endpoint">Null for AWS itself; otherwise the S3-compatible service URL.</param>
    public static AmazonS3Config CreateConfig(string region, Uri? endpoint = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        var config = new AmazonS3Config
        {
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            AuthenticationRegion = region,
        };
        if (endpoint is null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        else
        {
            config.ServiceURL = endpoint.ToString();
            config.ForcePathStyle = true;
        }

        return config;
    }
}
