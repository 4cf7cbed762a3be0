using System.Diagnostics;
using System.Text;
using Amazon.Runtime;
using Delivery.Testing;

namespace Delivery.IntegrationTests.EndToEnd;

/// <summary>
/// The real worker executable, run as a child process against the local stack, so that a graceful stop is a real
/// SIGTERM and a crash is a real SIGKILL.
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    // The worker runs from its own build output. This test assembly references the ASP.NET Core shared framework (for
    // its Kestrel servers), so the copy of the worker beside it lacks the Microsoft.Extensions assemblies the shared
    // framework provides to the tests but the worker, a plain console app, must find beside itself.
    public static string WorkerAssembly { get; } = FindWorker();

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Action<string>? _onLine;

    private WorkerProcess(Process process, Action<string>? onLine)
    {
        _process = process;
        _onLine = onLine;
    }

    public int Id => _process.Id;

    /// <summary>True once the process has exited, whoever ended it.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code; only meaningful once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <param name="stack">The local AWS stack the worker talks to.</param>
    /// <param name="settings">Configuration keys, passed as environment variables.</param>
    /// <param name="executable">A published worker to run instead of the build output next to the tests.</param>
    /// <param name="onLine">Called with each line of output as it arrives (on a thread pool thread), so a test can react to
    /// events without rescanning <see cref="Output"/>.</param>
    public static WorkerProcess Start(LocalAwsStack stack, IReadOnlyDictionary<string, string> settings, string? executable = null, Action<string>? onLine = null)
    {
        var start = new ProcessStartInfo(executable ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (executable is null)
        {
            start.ArgumentList.Add(WorkerAssembly);
        }

        ImmutableCredentials credentials = stack.Credentials.GetCredentials();
        start.Environment["AWS_ACCESS_KEY_ID"] = credentials.AccessKey;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = credentials.SecretKey;
        start.Environment["AWS_REGION"] = stack.Region;
        start.Environment["Delivery__Aws__Region"] = stack.Region;
        start.Environment["Delivery__Aws__ServiceUrls__Kinesis"] = stack.KinesisEndpoint.ToString();
        start.Environment["Delivery__Aws__ServiceUrls__DynamoDb"] = stack.DynamoDbEndpoint.ToString();
        start.Environment["Delivery__Aws__ServiceUrls__S3"] = stack.S3Endpoint.ToString();
        start.Environment["Logging__LogLevel__Delivery"] = "Debug";

        // The tests read the text format ("Category[EventId]" and the message); the worker's default is JSON, which a test
        // can ask for through its settings. Health endpoints take any free port, so workers never fight over 8080.
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Delivery__Health__Port"] = "0";
        foreach ((string key, string value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the worker.");
        var worker = new WorkerProcess(process, onLine);
        process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Sends SIGTERM, as ECS does, and waits for the worker to drain and exit.</summary>
    public async Task StopGracefullyAsync(TimeSpan timeout)
    {
        // A SIGTERM that arrives before the host has set up its handler kills the process outright (exit code 143). Wait
        // until the worker has started its pipeline, so the stop tested is the drain of a running worker.
        await Eventually.TrueAsync(() => Output.Contains("reads stream", StringComparison.Ordinal) || _process.HasExited, "the worker has started", timeout);
        using (Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var limit = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(limit.Token);
        _process.ExitCode.ShouldBe(0, Output);
    }

    /// <summary>Waits for the worker to exit by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(limit.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no drain, no checkpoint, no release.</summary>
    public async Task CrashAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await CrashAsync();
        }

        _process.Dispose();
    }

    private static string FindWorker()
    {
        // <repository>/tests/Delivery.IntegrationTests/bin/<configuration>/<framework>/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string path = Path.Combine(LocalAwsStack.RepositoryRoot, "src", "Delivery.Worker", "bin", output.Parent!.Name, output.Name, "Delivery.Worker.dll");
        return File.Exists(path) ? path : Path.Combine(AppContext.BaseDirectory, "Delivery.Worker.dll");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        _onLine?.Invoke(line);
    }
}
