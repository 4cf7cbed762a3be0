using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Delivery.Testing;

namespace Delivery.IntegrationTests.Worker.Health;

/// <summary>
/// Debian's Chromium, driven by <c>tests/browser/dashboard.mjs</c> (npm playwright-core), one command at a time: the
/// test opens the dashboard, reads what the page shows the way a person reads it, and takes screenshots. The browser is
/// the system's (<c>apt-get install chromium</c>), never downloaded; a machine without it fails the test with the
/// command that installs it rather than skipping it.
/// </summary>
internal sealed class DashboardBrowser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string Directory = Path.Combine(LocalAwsStack.RepositoryRoot, "tests", "browser");
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _node;
    private readonly Task<string> _stderr;

    private DashboardBrowser(Process node)
    {
        _node = node;
        _stderr = node.StandardError.ReadToEndAsync();
    }

    /// <summary>Starts Chromium with a fresh profile and opens <paramref name="url"/> at the given window size.</summary>
    public static async Task<(DashboardBrowser Browser, JsonObject Opened)> OpenAsync(Uri url, int width, int height)
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"The dashboard's browser test needs Debian's Chromium at {ChromiumPath}, which is not installed. Install it with 'sudo apt-get install -y chromium' (./test.sh does this).");
        }

        await EnsureInstalledAsync();
        var start = new ProcessStartInfo("node") { WorkingDirectory = Directory, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("dashboard.mjs");
        start.Environment["CHROMIUM_PATH"] = ChromiumPath;
        var browser = new DashboardBrowser(Process.Start(start) ?? throw new InvalidOperationException("Could not start node."));
        JsonObject opened = await browser.SendAsync(new JsonObject { ["cmd"] = "open", ["url"] = url.ToString(), ["width"] = width, ["height"] = height });
        return (browser, opened);
    }

    /// <summary>What the page shows now (see readPage in dashboard.mjs), and the console errors so far.</summary>
    public async Task<(DashboardView View, string[] ConsoleErrors)> ReadAsync()
    {
        JsonObject answer = await SendAsync(new JsonObject { ["cmd"] = "read" });
        return (answer["view"].Deserialize<DashboardView>(JsonOptions)!, answer["consoleErrors"].Deserialize<string[]>()!);
    }

    /// <summary>Reads the page until <paramref name="condition"/> holds; on timeout, says what the page last showed.</summary>
    public async Task<DashboardView> WaitUntilAsync(Func<DashboardView, bool> condition, string what, TimeSpan timeout)
    {
        var limit = Stopwatch.StartNew();
        while (true)
        {
            (DashboardView view, _) = await ReadAsync();
            if (condition(view))
            {
                return view;
            }

            if (limit.Elapsed > timeout)
            {
                throw new TimeoutException($"The dashboard did not show {what} within {timeout.TotalSeconds:0.#} s. It showed: {JsonSerializer.Serialize(view, JsonOptions)}");
            }

            await Task.Delay(100);
        }
    }

    public Task ResizeAsync(int width, int height) => SendAsync(new JsonObject { ["cmd"] = "viewport", ["width"] = width, ["height"] = height });

    /// <summary>Saves a PNG of the whole page, or with <paramref name="fullPage"/> false of what the window shows.</summary>
    public Task ScreenshotAsync(string path, bool fullPage = true) => SendAsync(new JsonObject { ["cmd"] = "screenshot", ["path"] = path, ["fullPage"] = fullPage });

    /// <summary>The rendered document.</summary>
    public async Task<string> HtmlAsync() => (await SendAsync(new JsonObject { ["cmd"] = "html" }))["html"]!.GetValue<string>();

    /// <summary>Every URL the page has asked for.</summary>
    public async Task<string[]> RequestsAsync() => (await SendAsync(new JsonObject { ["cmd"] = "requests" }))["requests"].Deserialize<string[]>()!;

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_node.HasExited)
            {
                await SendAsync(new JsonObject { ["cmd"] = "close" });
                _node.StandardInput.Close();
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _node.WaitForExitAsync(limit.Token);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or IOException)
        {
            _node.Kill(entireProcessTree: true);
        }
        finally
        {
            _node.Dispose();
        }
    }

    private static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web);

    private static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            if (System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "playwright-core")))
            {
                return;
            }

            using Process npm = Process.Start(new ProcessStartInfo("npm", "ci --no-audit --no-fund --loglevel=error") { WorkingDirectory = Directory, UseShellExecute = false })
                ?? throw new InvalidOperationException("Could not start npm.");
            await npm.WaitForExitAsync();
            if (npm.ExitCode != 0)
            {
                throw new InvalidOperationException($"npm ci in {Directory} failed with exit code {npm.ExitCode}.");
            }
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private async Task<JsonObject> SendAsync(JsonObject command)
    {
        await _node.StandardInput.WriteLineAsync(command.ToJsonString());
        await _node.StandardInput.FlushAsync();
        using var limit = new CancellationTokenSource(CommandTimeout);
        string? line;
        try
        {
            line = await _node.StandardOutput.ReadLineAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"dashboard.mjs did not answer '{command["cmd"]}' within {CommandTimeout.TotalSeconds:0} s.");
        }

        if (line is null)
        {
            await _node.WaitForExitAsync();
            throw new InvalidOperationException($"dashboard.mjs exited ({_node.ExitCode}) before answering '{command["cmd"]}': {await _stderr}");
        }

        JsonObject answer = JsonNode.Parse(line)!.AsObject();
        if (answer["ok"]?.GetValue<bool>() != true)
        {
            throw new InvalidOperationException($"dashboard.mjs failed '{command["cmd"]}': {answer["error"]}");
        }

        return answer;
    }
}

/// <summary>What the dashboard shows, read off the page by dashboard.mjs.</summary>
internal sealed record DashboardView(string? Readiness, string? Worker, string? Updated, string? Problems, bool HorizontalOverflow, IReadOnlyList<PipelineView> Pipelines)
{
    public PipelineView? Pipeline(string name) => Pipelines.FirstOrDefault(pipeline => pipeline.Name == name);
}

/// <summary>One pipeline's card: its state pill, error box, counts as shown, charts (points drawn) and shard rows by column header.</summary>
internal sealed record PipelineView(
    string Name,
    string? State,
    string? Route,
    string? Error,
    IReadOnlyDictionary<string, string> Counts,
    IReadOnlyDictionary<string, ChartView> Charts,
    IReadOnlyList<IReadOnlyDictionary<string, string>> Shards)
{
    /// <summary>A count as a person reads it ("1,234" is 1234); null when it is not shown.</summary>
    public long? Count(string key) =>
        Counts.TryGetValue(key, out string? text) && long.TryParse(text.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture, out long value) ? value : null;
}

internal sealed record ChartView(string? Caption, int Points, double Width);
