using Amazon.Runtime;
using Delivery.Aws;
using Delivery.Kinesis.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Delivery.UnitTests.Kinesis.Client;

public sealed class KinesisClientServiceCollectionExtensionsTests
{
    [Fact]
    public void AddKinesisClient_TakesRegionAndEndpointFromAwsOptions()
    {
        var services = new ServiceCollection();
        services.Configure<AwsOptions>(o =>
        {
            o.Region = "eu-central-1";
            o.ServiceUrls.Kinesis = new Uri("http://localhost:4566");
        });
        services.AddSingleton<AWSCredentials>(new BasicAWSCredentials("a", "b"));

        services.AddKinesisClient();
        using ServiceProvider provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IKinesisClient>().ShouldBeOfType<KinesisClient>();
        client.Endpoint.ShouldBe(new Uri("http://localhost:4566"));
        provider.GetRequiredService<IOptions<KinesisClientOptions>>().Value.Region.ShouldBe("eu-central-1");
        provider.GetRequiredService<IKinesisClient>().ShouldBeSameAs(client);
    }

    [Fact]
    public void AddKinesisClient_WithoutOverrides_UsesTheRegionalEndpoint()
    {
        var services = new ServiceCollection();
        services.AddSingleton<AWSCredentials>(new BasicAWSCredentials("a", "b"));
        services.AddKinesisClient(o => o.Region = "ap-southeast-2");
        using ServiceProvider provider = services.BuildServiceProvider();

        provider.GetRequiredService<IKinesisClient>().ShouldBeOfType<KinesisClient>()
            .Endpoint.ShouldBe(new Uri("https://kinesis.ap-southeast-2.amazonaws.com"));
    }

    [Fact]
    public void AddKinesisClient_RejectsInvalidOptions_NamingTheMember()
    {
        var services = new ServiceCollection();
        services.AddSingleton<AWSCredentials>(new BasicAWSCredentials("a", "b"));
        services.AddKinesisClient(o => o.MaxRetries = -1);
        using ServiceProvider provider = services.BuildServiceProvider();

        OptionsValidationException error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<KinesisClientOptions>>().Value);
        error.Message.ShouldContain(nameof(KinesisClientOptions.MaxRetries));
    }
}
