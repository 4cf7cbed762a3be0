using System.Diagnostics;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Xunit;

namespace Delivery.Testing;

/// <summary>
/// The AWS services the integration tests talk to, chosen by <see cref="TestStackSelection"/>: the npm emulators
/// (kinesalite, dynalite and s3rver from <c>tests/emulators</c> on free 127.0.0.1 ports), LocalStack in Docker through
/// Testcontainers, or an endpoint already running. Whatever the fixture starts, it stops when disposed. Tests never
/// branch on which stack they run against.
/// </summary>
public sealed class LocalAwsStack : IAsyncLifetime
{
    public const string EndpointVariable = TestStackSelection.EndpointVariable;

    private Process? _process;
    private LocalStackInDocker? _localStack;

    public Uri KinesisEndpoint { get; private set; } = null!;

    public Uri DynamoDbEndpoint { get; private set; } = null!;

    public Uri S3Endpoint { get; private set; } = null!;

    public string Region { get; private set; } = "us-east-1";

    public AWSCredentials Credentials { get; private set; } = null!;

    /// <summary>Lambda's endpoint where the stack has one (LocalStack), else null: the npm emulators have no Lambda.</summary>
    public Uri? LambdaEndpoint { get; private set; }

    /// <summary>The stack in use and why it was chosen.</summary>
    public TestStackChoice Choice { get; private set; } = null!;

    /// <summary>True when the emulators run in a child process of this fixture (not LocalStack).</summary>
    public bool IsEmulated => _process is not null;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public async Task InitializeAsync()
    {
        Choice = TestStackSelection.FromEnvironment(LocalStackInDocker.Probe);
        switch (Choice.Kind)
        {
            case TestStackKind.Endpoint:
                UseEndpoint(Choice.Endpoint!);
                break;
            case TestStackKind.LocalStack:
                using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5)))
                {
                    _localStack = await LocalStackInDocker.StartAsync(timeout.Token).ConfigureAwait(false);
                }

                UseEndpoint(_localStack.Endpoint);
                break;
            default:
                await StartEmulatorsAsync().ConfigureAwait(false);
                break;
        }
    }

    private void UseEndpoint(Uri endpoint)
    {
        KinesisEndpoint = DynamoDbEndpoint = S3Endpoint = endpoint;
        LambdaEndpoint = endpoint;
        Region = Environment.GetEnvironmentVariable("AWS_REGION") ?? "us-east-1";
        Credentials = new BasicAWSCredentials(
            Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") ?? "test",
            Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY") ?? "test");
    }

    private async Task StartEmulatorsAsync()
    {
        string emulators = Path.Combine(RepositoryRoot, "tests", "emulators");
        if (!Directory.Exists(Path.Combine(emulators, "node_modules")))
        {
            await RunToCompletionAsync("npm", "ci --no-audit --no-fund", emulators).ConfigureAwait(false);
        }

        string dataDir = Directory.CreateTempSubdirectory("delivery-stack-").FullName;
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = emulators,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "--openssl-legacy-provider", "local-aws-stack.js", "--data", dataDir, "--stop-on-stdin-close" })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for the local AWS stack.");
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string? line = await _process.StandardOutput.ReadLineAsync(timeout.Token).ConfigureAwait(false);
        if (string.IsNullOrEmpty(line))
        {
            throw new InvalidOperationException($"The local AWS stack exited before it was ready (exit code {(_process.HasExited ? _process.ExitCode : -1)}).");
        }

        using JsonDocument ready = JsonDocument.Parse(line);
        KinesisEndpoint = new Uri(ready.RootElement.GetProperty("kinesis").GetString()!);
        DynamoDbEndpoint = new Uri(ready.RootElement.GetProperty("dynamodb").GetString()!);
        S3Endpoint = new Uri(ready.RootElement.GetProperty("s3").GetString()!);
        Region = ready.RootElement.GetProperty("region").GetString()!;
        Credentials = new BasicAWSCredentials(
            ready.RootElement.GetProperty("accessKey").GetString(),
            ready.RootElement.GetProperty("secretKey").GetString());
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            // Closing stdin asks the stack to stop its servers; the kill is the fallback for a stuck process.
            _process.StandardInput.Close();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process?.Dispose();
        if (_localStack is not null)
        {
            await _localStack.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>An S3 client configured the way s3rver needs (path style, no chunked bodies, checksums only when required).</summary>
    public AmazonS3Client CreateS3Client() =>
        new(Credentials, new AmazonS3Config
        {
            ServiceURL = S3Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = Region,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });

    public AmazonDynamoDBClient CreateDynamoDbClient() =>
        new(Credentials, new AmazonDynamoDBConfig { ServiceURL = DynamoDbEndpoint.ToString(), AuthenticationRegion = Region });

    /// <summary>A name no other test uses, valid for streams, tables and buckets.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)].ToLowerInvariant();

    private static async Task RunToCompletionAsync(string file, string arguments, string workingDirectory)
    {
        using Process process = Process.Start(new ProcessStartInfo(file, arguments) { WorkingDirectory = workingDirectory, UseShellExecute = false })
            ?? throw new InvalidOperationException($"Could not start {file}.");
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{file} {arguments}' in {workingDirectory} failed with exit code {process.ExitCode}.");
        }
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Delivery.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Could not find the repository root (Delivery.sln) above " + AppContext.BaseDirectory);
    }
}
