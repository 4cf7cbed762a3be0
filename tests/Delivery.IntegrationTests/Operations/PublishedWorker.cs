using System.Diagnostics;
using System.Text.RegularExpressions;
using Delivery.Testing;

namespace Delivery.IntegrationTests.Operations;

/// <summary>
/// The worker as <c>dotnet publish</c> lays it out, published once for the tests that run it: what the Dockerfile
/// copies into the image, run directly through its apphost.
/// </summary>
public sealed partial class PublishedWorker : IAsyncLifetime
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("delivery-published-").FullName;

    public string Executable => Path.Combine(Directory, "Delivery.Worker");

    public async Task InitializeAsync()
    {
        // --no-build publishes what the test run already built in Release, instead of building a second time.
        string configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { "publish", Path.Combine(LocalAwsStack.RepositoryRoot, "src", "Delivery.Worker", "Delivery.Worker.csproj"), "-c", configuration, "--no-build", "-o", Directory, "-nologo" })
        {
            start.ArgumentList.Add(argument);
        }

        using Process publish = Process.Start(start)!;
        Task<string> output = publish.StandardOutput.ReadToEndAsync();
        Task<string> error = publish.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await publish.WaitForExitAsync(timeout.Token);
        if (publish.ExitCode != 0 || !File.Exists(Executable))
        {
            throw new InvalidOperationException($"dotnet publish failed ({publish.ExitCode}): {await output}{await error}");
        }
    }

    public Task DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>The health endpoint's address, from the line the worker logs once it listens.</summary>
    public static Uri? HealthAddress(string output) => HealthListening().Match(output) is { Success: true } match ? new Uri(match.Groups[1].Value) : null;

    [GeneratedRegex(@"Health endpoints listening on (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex HealthListening();
}
