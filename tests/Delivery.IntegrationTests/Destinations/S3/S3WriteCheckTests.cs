using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.Destinations.Checks;
using Delivery.Destinations.S3;
using Delivery.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.IntegrationTests.Destinations.S3;

/// <summary>The start-up write check against s3rver, through a client built as the worker builds it.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class S3WriteCheckTests(LocalAwsStack stack)
{
    private const string Setting = "Delivery:Pipelines:clicks:S3:BucketName";

    [Fact]
    public async Task ABucketThatTakesWrites_Passes_AndIsLeftAsItWas()
    {
        using AmazonS3Client s3 = stack.CreateS3Client();
        string bucket = LocalAwsStack.UniqueName("check");
        await s3.PutBucketAsync(bucket);

        CheckOutcome outcome = await Check(stack.Credentials, bucket).RunAsync(CancellationToken.None);

        outcome.ShouldBe(CheckOutcome.Ok);
        ListObjectsV2Response listing = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        (listing.S3Objects ?? []).ShouldBeEmpty("the probe object is deleted again");
    }

    [Fact]
    public async Task AMissingBucket_IsPermanent_NamingIt()
    {
        string bucket = LocalAwsStack.UniqueName("missing");

        CheckOutcome outcome = await Check(stack.Credentials, bucket).RunAsync(CancellationToken.None);

        outcome.Status.ShouldBe(CheckStatus.Permanent);
        outcome.Reason.ShouldContain($"s3://{bucket}/clicks/.delivery-write-check");
        outcome.Reason.ShouldContain("S3.NoSuchBucket");
    }

    [Fact]
    public async Task AnUnknownAccessKey_IsPermanent()
    {
        using AmazonS3Client s3 = stack.CreateS3Client();
        string bucket = LocalAwsStack.UniqueName("check");
        await s3.PutBucketAsync(bucket);

        CheckOutcome outcome = await Check(new BasicAWSCredentials("AKIAUNKNOWNKEY000000", "wrong-secret"), bucket).RunAsync(CancellationToken.None);

        outcome.Status.ShouldBe(CheckStatus.Permanent);
        outcome.Reason.ShouldContain("S3.InvalidAccessKeyId");
    }

    private S3WriteCheck Check(AWSCredentials credentials, string bucket) =>
        new(S3ClientFactory.Create(credentials, stack.Region, stack.S3Endpoint), bucket, "clicks/!{timestamp:yyyy}/", Setting, NullLogger<S3WriteCheck>.Instance);
}
