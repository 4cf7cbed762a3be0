using Delivery.DirectPut;
using Delivery.Worker.Configuration;
using Microsoft.Extensions.Configuration;

namespace Delivery.UnitTests.Worker.Configuration;

/// <summary>Direct PUT is off unless asked for, never unauthenticated unless written out, and its secrets come from the environment.</summary>
public sealed class DirectPutConfigurationTests
{
    private const string P = "Delivery:Pipelines:clicks";

    private static readonly Dictionary<string, string?> Listening = new()
    {
        [$"{P}:Kinesis:StreamName"] = "clickstream",
        [$"{P}:S3:BucketName"] = "analytics-raw",
        [$"{P}:DirectPut:Enabled"] = "true",
        ["Delivery:DirectPut:Enabled"] = "true",
        ["Delivery:DirectPut:Authentication:Keys:0:AccessKeyId"] = "AKIADIRECTPUTTEST001",
        ["Delivery:DirectPut:Authentication:Keys:0:SecretAccessKeyVariable"] = "CLICKS_SECRET",
    };

    [Fact]
    public void ByDefault_DirectPutIsOff_AndWouldRequireSigV4()
    {
        DeliveryOptions options = Load(new() { [$"{P}:Kinesis:StreamName"] = "clickstream", [$"{P}:S3:BucketName"] = "analytics-raw" });

        options.DirectPut.Enabled.ShouldBeFalse();
        options.DirectPut.Port.ShouldBe(8081);
        options.DirectPut.ListenAddress.ShouldBe("127.0.0.1");
        options.DirectPut.Authentication.Mode.ShouldBe(DirectPutAuthenticationMode.SigV4);
        options.Pipelines["clicks"].DirectPut.ShouldBeNull();
    }

    [Fact]
    public void AListenerWithAKeyPairWhoseSecretIsInTheEnvironment_Loads()
    {
        DeliveryOptions options = Load(Listening, name => name == "CLICKS_SECRET" ? "s3cr3t" : null);

        options.DirectPut.Authentication.Keys.Single().AccessKeyId.ShouldBe("AKIADIRECTPUTTEST001");
    }

    [Fact]
    public void ASecretVariableThatIsNotSet_IsReportedWithItsKeyPath()
    {
        InvalidDeliveryConfigurationException error = Should.Throw<InvalidDeliveryConfigurationException>(() => Load(Listening, _ => null));

        error.Errors.ShouldHaveSingleItem().KeyPath.ShouldBe("Delivery:DirectPut:Authentication:Keys:0:SecretAccessKeyVariable");
    }

    [Fact]
    public void ModeNone_IsAcceptedWhenWrittenOut_ButNotWithKeysItWouldIgnore()
    {
        var open = new Dictionary<string, string?>(Listening) { ["Delivery:DirectPut:Authentication:Mode"] = "None" };
        Should.Throw<InvalidDeliveryConfigurationException>(() => Load(open, _ => "s3cr3t"))
            .Errors.ShouldHaveSingleItem().KeyPath.ShouldBe("Delivery:DirectPut:Authentication:Keys");

        open.Remove("Delivery:DirectPut:Authentication:Keys:0:AccessKeyId");
        open.Remove("Delivery:DirectPut:Authentication:Keys:0:SecretAccessKeyVariable");
        Load(open).DirectPut.Authentication.Mode.ShouldBe(DirectPutAuthenticationMode.None);
    }

    [Fact]
    public void AListenerNoPipelineUses_IsAMistake()
    {
        var unused = new Dictionary<string, string?>(Listening);
        unused.Remove($"{P}:DirectPut:Enabled");

        Should.Throw<InvalidDeliveryConfigurationException>(() => Load(unused, _ => "s3cr3t"))
            .Errors.ShouldHaveSingleItem().KeyPath.ShouldBe("Delivery:DirectPut:Enabled");
    }

    private static DeliveryOptions Load(Dictionary<string, string?> settings, Func<string, string?>? environment = null) =>
        DeliveryOptionsLoader.Load(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), environment ?? (_ => null));
}
