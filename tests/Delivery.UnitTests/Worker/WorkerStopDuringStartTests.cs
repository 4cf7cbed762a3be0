using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Delivery.UnitTests.Worker;

public sealed class WorkerStopDuringStartTests
{
    [Fact]
    public async Task ASigtermWhileTheWorkerIsStillStarting_IsACleanStop_WithExitCodeZero()
    {
        // S3 and Kinesis accept the connection and never answer, so the worker is stuck starting (checking its
        // destination, or its stream) when SIGTERM comes (ECS stops tasks that are slow to start, too).
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<Socket>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                accepted.Add(await silent.AcceptSocketAsync());
            }
        });
        string endpoint = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "Delivery.Worker.dll"),
            "--Delivery:Pipelines:clicks:Kinesis:StreamName=clickstream",
            "--Delivery:Pipelines:clicks:S3:BucketName=analytics-raw",
            $"--Delivery:Aws:ServiceUrls:Kinesis={endpoint}",
            $"--Delivery:Aws:ServiceUrls:S3={endpoint}",
        })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = "test";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "test";
        using Process process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!Captured(output).Contains("starting", StringComparison.Ordinal) || accepted.Count == 0)
        {
            await Task.Delay(50, timeout.Token);
        }

        using (Process kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(timeout.Token);
        }

        await process.WaitForExitAsync(timeout.Token);
        process.ExitCode.ShouldBe(0, Captured(output));
        Captured(output).ShouldNotContain("Delivery failed");
    }

    private static string Captured(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
