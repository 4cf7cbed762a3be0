using Amazon.S3;
using Delivery.Destinations.S3;
using Delivery.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Delivery.UnitTests.Destinations.S3;

public sealed class S3DestinationServiceCollectionExtensionsTests
{
    [Fact]
    public void AddS3Destination_ValidatesNamedOptions_NamingThePipelineAndTheOption()
    {
        var services = new ServiceCollection().AddS3Destination();
        services.AddOptions<S3DestinationOptions>("clicks").Configure(o => o.BucketName = "Not_Valid");
        using ServiceProvider provider = services.BuildServiceProvider();

        OptionsValidationException error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<S3DestinationOptions>>().Get("clicks"));

        error.OptionsName.ShouldBe("clicks");
        error.Message.ShouldContain("BucketName");
    }

    [Fact]
    public void AddS3Destination_KeepsAClockTheHostRegistered_AndRegistersTheValidatorOnce()
    {
        var clock = new FakeTimeProvider();
        var services = new ServiceCollection().AddSingleton<TimeProvider>(clock).AddS3Destination().AddS3Destination();
        using ServiceProvider provider = services.BuildServiceProvider();

        provider.GetRequiredService<TimeProvider>().ShouldBeSameAs(clock);
        provider.GetServices<IValidateOptions<S3DestinationOptions>>().ShouldHaveSingleItem().ShouldBeOfType<S3DestinationOptionsValidator>();
    }

    [Fact]
    public void CreateS3BatchWriter_BuildsAWriterFromTheContainersServices()
    {
        using ServiceProvider provider = new ServiceCollection().AddLogging().AddS3Destination().BuildServiceProvider();
        (IAmazonS3 client, _) = FakeS3.Create();

        S3BatchWriter writer = provider.CreateS3BatchWriter(new S3DestinationOptions { BucketName = "bucket" }, client);

        writer.DestinationType.ShouldBe("s3");
    }
}
