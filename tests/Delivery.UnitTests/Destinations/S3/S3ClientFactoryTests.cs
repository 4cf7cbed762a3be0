using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Delivery.Destinations.S3;

namespace Delivery.UnitTests.Destinations.S3;

public sealed class S3ClientFactoryTests
{
    [Fact]
    public void WithAnEndpoint_UsesPathStyleAndSignsForTheRegion()
    {
        AmazonS3Config config = S3ClientFactory.CreateConfig("eu-west-1", new Uri("http://127.0.0.1:4569"));

        config.ServiceURL.ShouldStartWith("http://127.0.0.1:4569");
        config.ForcePathStyle.ShouldBeTrue();
        config.AuthenticationRegion.ShouldBe("eu-west-1");
        config.RequestChecksumCalculation.ShouldBe(RequestChecksumCalculation.WHEN_REQUIRED);
        config.ResponseChecksumValidation.ShouldBe(ResponseChecksumValidation.WHEN_REQUIRED);
    }

    [Fact]
    public void WithoutAnEndpoint_UsesTheRegionsEndpoint_AndStillSkipsOptionalChecksums()
    {
        AmazonS3Config config = S3ClientFactory.CreateConfig("eu-central-1");

        config.RegionEndpoint.ShouldBe(RegionEndpoint.EUCentral1);
        config.ForcePathStyle.ShouldBeFalse();
        config.RequestChecksumCalculation.ShouldBe(RequestChecksumCalculation.WHEN_REQUIRED);
        config.ResponseChecksumValidation.ShouldBe(ResponseChecksumValidation.WHEN_REQUIRED);
    }

    [Fact]
    public void Create_ReturnsAClientWithThatConfiguration()
    {
        using AmazonS3Client client = S3ClientFactory.Create(new BasicAWSCredentials("a", "b"), "us-east-1", new Uri("http://localhost:9000"));

        ((AmazonS3Config)client.Config).ForcePathStyle.ShouldBeTrue();
    }
}
