using System.Diagnostics;
using Delivery.Testing;

namespace Delivery.IntegrationTests.EndToEnd;

/// <summary>
/// The worker executable against destinations it can never use: it exits with code 1 at start, in one line naming the
/// pipeline, the setting and the reason, before it creates a lease table or reads anything, and without first retrying
/// for the bounded time it gives a destination that may still be coming up.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class StartupChecksEndToEndTests(LocalAwsStack stack)
{
    private const string P = $"Delivery:Pipelines:{DeliveryScenario.Pipeline}";

    // A permanent failure is not retried: the worker's own start-up takes a few seconds, the retries would take 60.
    private static readonly TimeSpan PermanentFailureExit = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task AWorkerWhoseBucketDoesNotExist_ExitsWithCode1AtStart_NamingTheSetting_AndTakesNoLease()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateStreamAsync(shards: 1);
        await scenario.PutAsync(RecordMix.Small(10, new Random(1)), new Random(1));

        string line = await ExitLineAsync(scenario, scenario.WorkerSettings());

        line.ShouldContain($"pipeline {DeliveryScenario.Pipeline}: {P}:S3:BucketName: ");
        line.ShouldContain(scenario.BucketName);
        line.ShouldContain("NoSuchBucket");
        (await scenario.LeaseTableExistsAsync()).ShouldBeFalse("the lease table is created when the pipeline starts, which it does only once its destinations pass");
    }

    [Fact]
    public async Task AWorkerWithAnUnknownAccessKey_ExitsWithCode1AtStart_NamingTheBucketAndTheRefusal()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(shards: 1);
        Dictionary<string, string> settings = scenario.WorkerSettings();
        settings["AWS_ACCESS_KEY_ID"] = "AKIAUNKNOWNKEY000000";

        string line = await ExitLineAsync(scenario, settings);

        line.ShouldContain($"{P}:S3:BucketName: ");
        line.ShouldContain("InvalidAccessKeyId");
    }

    [Fact]
    public async Task AWorkerWhoseBackupBucketDoesNotExist_ExitsWithCode1AtStart_NamingTheBackupSetting()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(shards: 1);
        Dictionary<string, string> settings = scenario.WorkerSettings();
        string missing = LocalAwsStack.UniqueName("no-such-backup");
        settings[$"{P}:Backup:BucketName"] = missing;

        string line = await ExitLineAsync(scenario, settings);

        line.ShouldContain($"{P}:Backup:BucketName: ");
        line.ShouldContain(missing);
        line.ShouldContain("NoSuchBucket");
    }

    [Fact]
    public async Task AWorkerWhoseHttpEndpointHostDoesNotResolve_ExitsWithCode1AtStart_NamingTheUrlSetting()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(shards: 1);
        Dictionary<string, string> settings = scenario.WorkerSettings();
        settings.Remove($"{P}:S3:BucketName");
        settings.Remove($"{P}:S3:Prefix");
        settings[$"{P}:HttpEndpoint:Url"] = "https://receiver.invalid/ingest?token=never-logged";
        settings[$"{P}:Backup:BucketName"] = scenario.BucketName;

        string line = await ExitLineAsync(scenario, settings);

        line.ShouldContain($"{P}:HttpEndpoint:Url: ");
        line.ShouldContain("receiver.invalid");
        line.ShouldContain("does not resolve");
        line.ShouldNotContain("never-logged");
    }

    /// <summary>Runs the worker until it exits by itself; asserts exit code 1 and returns the one line that says why.</summary>
    private async Task<string> ExitLineAsync(DeliveryScenario scenario, Dictionary<string, string> settings)
    {
        var elapsed = Stopwatch.StartNew();
        await using WorkerProcess worker = WorkerProcess.Start(stack, settings);
        int exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(90));

        exitCode.ShouldBe(1, worker.Output);
        elapsed.Elapsed.ShouldBeLessThan(PermanentFailureExit, "a permanent failure is not retried");
        worker.Output.ShouldNotContain("reads stream", customMessage: "no pipeline started");
        string[] lines = [.. worker.Output.Split('\n').Where(line => line.StartsWith("Delivery failed: ", StringComparison.Ordinal))];
        lines.ShouldHaveSingleItem(worker.Output);
        (await scenario.CheckpointsAsync()).ShouldBeEmpty();
        return lines[0];
    }
}
