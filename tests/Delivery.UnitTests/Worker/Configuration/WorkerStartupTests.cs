using System.Diagnostics;

namespace Delivery.UnitTests.Worker.Configuration;

public sealed class WorkerStartupTests
{
    [Fact]
    public async Task TheWorker_ExitsNonZeroWithTheKeyPath_BeforeReadingAnything_WhenConfigurationIsInvalid()
    {
        string worker = Path.Combine(AppContext.BaseDirectory, "Delivery.Worker.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[]
        {
            worker,
            "--Delivery:Pipelines:clicks:Kinesis:StreamName=clickstream",
            "--Delivery:Pipelines:clicks:S3:BucketName=analytics-raw",
            "--Delivery:Pipelines:clicks:Buffering:SizeInMBs=500",
            // Nothing listens here: if the worker tried to read before validating, it would hang or fail differently.
            "--Delivery:Aws:ServiceUrls:Kinesis=http://127.0.0.1:9",
        })
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        process.ExitCode.ShouldBe(2);
        (await stderr).ShouldContain("Delivery:Pipelines:clicks:Buffering:SizeInMBs: value '500' is invalid");
        (await stdout).ShouldNotContain("starting");
    }
}
