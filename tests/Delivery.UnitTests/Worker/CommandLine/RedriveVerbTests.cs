using Amazon.Runtime;
using Delivery.Worker.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Delivery.UnitTests.Worker.CommandLine;

/// <summary>
/// <c>redrive</c>'s arguments and configuration, checked before any bucket is touched (the emulator tests run it against
/// s3rver): each mistake exits 2 and says what to fix.
/// </summary>
public sealed class RedriveVerbTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Delivery:Aws:Region"] = "eu-west-1",
        ["Delivery:Pipelines:clicks:Kinesis:StreamName"] = "clickstream",
        ["Delivery:Pipelines:clicks:S3:BucketName"] = "clicks-archive",
        ["Delivery:Pipelines:orders:Kinesis:StreamName"] = "orders",
        ["Delivery:Pipelines:orders:S3:BucketName"] = "orders-archive",
        ["Delivery:Pipelines:orders:Backup:ErrorOutputPrefix"] = "errors/!{firehose:error-output-type}/",
    };

    [Theory]
    [InlineData("", "--pipeline NAME is required.")]
    [InlineData("--pipeline", "'--pipeline' needs a value.")]
    [InlineData("--pipeline clicks --dryrun", "unknown argument '--dryrun'.")]
    public async Task BadArguments_ExitWithTwo_AndTheUsage(string arguments, string expected)
    {
        (int exitCode, _, string error) = await VerbRunner.RunAsync("redrive", arguments, 0, Settings);

        exitCode.ShouldBe(2);
        error.ShouldContain(expected);
        error.ShouldContain("Usage: Delivery.Worker redrive --pipeline NAME [--from PREFIX] [--dry-run]");
    }

    [Fact]
    public async Task AnUnknownPipeline_IsNamed_WithThePipelinesThereAre()
    {
        (int exitCode, _, string error) = await VerbRunner.RunAsync("redrive", "--dry-run --pipeline click", 0, Settings);

        exitCode.ShouldBe(2);
        error.ShouldContain("no pipeline 'click' in the configuration (Delivery:Pipelines has 'clicks', 'orders')");
    }

    [Fact]
    public async Task AFromOutsideTheErrorOutputPrefix_IsRefused_NamingWhereFailedRecordsAre()
    {
        (int exitCode, _, string error) = await VerbRunner.RunAsync("redrive", "--pipeline orders --from logs/ --dry-run", 0, Settings);

        exitCode.ShouldBe(2);
        error.ShouldContain("--from 'logs/' is outside the pipeline's failed records: they are under 'errors/'");
    }

    [Fact]
    public async Task AnInvalidConfiguration_IsReportedWithItsKeyPath()
    {
        var settings = new Dictionary<string, string?>(Settings) { ["Delivery:Pipelines:orders:Backup:CompressionFormat"] = "Brotli" };

        (int exitCode, _, string error) = await VerbRunner.RunAsync("redrive", "--pipeline orders", 0, settings);

        exitCode.ShouldBe(2);
        error.ShouldContain("Delivery:Pipelines:orders:Backup:CompressionFormat");
    }

    [Fact]
    public async Task CredentialsThatCannotBeFound_AreOneLineAndExitOne_NotACrash()
    {
        string[] args = CommandLineVerbs.Normalize(["redrive", "--pipeline", "clicks", "--dry-run"]);
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(Settings).AddCommandLine(args).Build();
        var output = new StringWriter();
        var error = new StringWriter();

        // What the SDK's default chain throws on a machine with no credentials at all.
        int exitCode = await RedriveVerb.RunAsync(args, configuration, output, error, services =>
            services.AddSingleton<AWSCredentials>(_ => throw new AmazonClientException("Failed to resolve AWS credentials.")));

        exitCode.ShouldBe(1);
        error.ToString().ShouldBe("redrive: pipeline clicks, backup bucket s3://clicks-archive: Failed to resolve AWS credentials." + Environment.NewLine);
    }
}
