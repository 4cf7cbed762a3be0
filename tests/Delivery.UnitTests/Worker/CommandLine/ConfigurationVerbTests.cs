using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Delivery.Testing;
using Delivery.Worker.CommandLine;
using Microsoft.Extensions.Configuration;

namespace Delivery.UnitTests.Worker.CommandLine;

public sealed class ConfigurationVerbTests
{
    private static readonly string BrokenConfigs = Path.Combine(LocalAwsStack.RepositoryRoot, "tests", "Delivery.UnitTests", "Worker", "CommandLine", "BrokenConfigs");

    public static TheoryData<string> BrokenExamples() => [.. Directory.GetFiles(BrokenConfigs, "*.json").Select(file => Path.GetFileName(file)!).Order()];

    public static TheoryData<string> ShippedExamples() => [.. Directory.GetFiles(Path.Combine(LocalAwsStack.RepositoryRoot, "config"), "*.json").Select(file => Path.GetFileName(file)!).Order()];

    [Theory]
    [MemberData(nameof(BrokenExamples))]
    public void Validate_PrintsEveryProblemOfABrokenExample_WithItsKeyPath(string file)
    {
        string path = Path.Combine(BrokenConfigs, file);
        string[] expected = [.. File.ReadLines(path).Where(line => line.StartsWith("// expect: ", StringComparison.Ordinal)).Select(line => line["// expect: ".Length..])];
        expected.ShouldNotBeEmpty($"{file} says what validate must print, in '// expect:' lines");
        var output = new StringWriter();

        int exitCode = ConfigurationVerb.Validate(Configuration(path), output);

        exitCode.ShouldBe(2);
        string[] printed = [.. output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line => line.Trim())];
        printed.ShouldBe(expected, ignoreOrder: true, $"validate {file} printed:\n{output}");
    }

    [Theory]
    [MemberData(nameof(ShippedExamples))]
    public void Validate_AcceptsEveryShippedExample(string file)
    {
        var output = new StringWriter();

        int exitCode = ConfigurationVerb.Validate(Configuration(Path.Combine(LocalAwsStack.RepositoryRoot, "config", file)), output);

        exitCode.ShouldBe(0, output.ToString());
        output.ToString().ShouldStartWith("The Delivery configuration is valid");
    }

    [Theory]
    [MemberData(nameof(ShippedExamples))]
    public void Describe_PrintsTheEffectiveConfiguration_AsAFileThatValidatesToTheSameOptions(string file)
    {
        var output = new StringWriter();

        ConfigurationVerb.Describe(Configuration(Path.Combine(LocalAwsStack.RepositoryRoot, "config", file)), output).ShouldBe(0);

        if (output.ToString().Contains("(hidden)", StringComparison.Ordinal))
        {
            // A secret is not printed, so this output cannot be read back as the same configuration.
            return;
        }

        // Read back on its own, with no appsettings.json under it, it must mean exactly the same.
        var again = new StringWriter();
        IConfiguration described = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(output.ToString()))).Build();
        ConfigurationVerb.Describe(described, again).ShouldBe(0, again.ToString());
        again.ToString().ShouldBe(output.ToString());
        using JsonDocument json = JsonDocument.Parse(output.ToString());
        foreach (JsonProperty pipeline in json.RootElement.GetProperty("Delivery").GetProperty("Pipelines").EnumerateObject())
        {
            pipeline.Value.GetProperty("Kinesis").GetProperty("Leases").GetProperty("TableName").GetString().ShouldNotBeNullOrEmpty("lease table names are resolved");
            pipeline.Value.GetProperty("Buffering").GetProperty("SizeInMBs").GetInt32().ShouldBeGreaterThan(0, "defaults are filled in");
        }
    }

    [Fact]
    public void Describe_HidesSecretValues()
    {
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Delivery:Pipelines:clicks:Kinesis:StreamName"] = "clickstream",
            ["Delivery:Pipelines:clicks:S3:BucketName"] = "acme-raw",
            ["Delivery:Pipelines:clicks:S3:Prefix"] = "raw/",
        }).Build();
        var output = new StringWriter();
        ConfigurationVerb.Describe(configuration, output).ShouldBe(0);
        output.ToString().ShouldContain("\"Prefix\": \"raw/\"");

        // Any setting whose name says it is a secret: the rule the validator's messages follow too.
        Delivery.Worker.Configuration.SecretSettings.IsSecret("AccessKey").ShouldBeTrue();
        Delivery.Worker.Configuration.SecretSettings.IsSecret("Password").ShouldBeTrue();
        Delivery.Worker.Configuration.SecretSettings.IsSecret("Prefix").ShouldBeFalse();
    }

    [Fact]
    public async Task TheWorkerBinary_RunsTheVerbs_WithTheExitCodesTheReadmeGives()
    {
        string broken = Path.Combine(BrokenConfigs, "out-of-range.json");
        (int validBrokenExit, string validBrokenOutput) = await RunWorkerAsync("validate", broken);
        validBrokenExit.ShouldBe(2);
        validBrokenOutput.ShouldContain("Delivery:Pipelines:clicks:Buffering:SizeInMBs: value '500' is invalid");

        (int validExit, string validOutput) = await RunWorkerAsync("validate", "--config", Path.Combine(LocalAwsStack.RepositoryRoot, "config", "production.json"));
        validExit.ShouldBe(0, validOutput);

        (int missingExit, string missingOutput) = await RunWorkerAsync("validate", Path.Combine(BrokenConfigs, "no-such-file.json"));
        missingExit.ShouldBe(2);
        missingOutput.ShouldContain("no-such-file.json");

        (int importExit, string importOutput) = await RunWorkerAsync("import-firehose", Path.Combine(LocalAwsStack.RepositoryRoot, "tests", "Delivery.UnitTests", "Worker", "CommandLine", "FirehoseSamples", "s3-lambda-dynamic-partitioning.json"));
        importExit.ShouldBe(0, importOutput);
        importOutput.ShouldContain("\"BucketName\": \"acme-datalake-raw\"");

        (int healthExit, string healthOutput) = await RunWorkerAsync("health", "--port", "9");
        healthExit.ShouldBe(1, "nothing listens on port 9");
        healthOutput.ShouldContain("did not answer");
    }

    internal static IConfiguration Configuration(string file) =>
        new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(LocalAwsStack.RepositoryRoot, "appsettings.json"))
            .AddJsonFile(file)
            .Build();

    internal static async Task<(int ExitCode, string Output)> RunWorkerAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Delivery.Worker.dll"));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
