using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace Delivery.Aws.Credentials;

/// <summary>Finds credentials the way the AWS SDKs do, so Delivery runs unchanged on a laptop, in ECS, EKS or EC2.</summary>
public static class AwsCredentialsResolver
{
    /// <summary>
    /// Returns the AWS SDK default credential chain: environment variables, the shared credentials/config profile
    /// (<c>AWS_PROFILE</c>), web identity (EKS IRSA), ECS container credentials (task role) and EC2 instance metadata.
    /// The returned object refreshes temporary credentials itself.
    /// </summary>
    /// <exception cref="AmazonClientException">No source in the chain has credentials.</exception>
    public static AWSCredentials ResolveDefault() => DefaultAWSCredentialsIdentityResolver.GetCredentials();
}
