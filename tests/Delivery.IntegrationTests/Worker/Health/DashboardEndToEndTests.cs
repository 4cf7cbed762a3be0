using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Delivery.IntegrationTests.Destinations.Http;
using Delivery.IntegrationTests.EndToEnd;
using Delivery.Testing;
using Xunit.Abstractions;

namespace Delivery.IntegrationTests.Worker.Health;

/// <summary>
/// The dashboard in a real browser (Debian's Chromium) and the <c>status</c> verb, on real workers against the local
/// stack: what a person checks on the page, and what the terminal view prints, compared with what the test put into
/// the streams and what the lease table says. Screenshots are kept under the test output's <c>artifacts/</c>.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class DashboardEndToEndTests(LocalAwsStack stack, ITestOutputHelper output)
{
    private const string Clicks = "clicks";
    private const string Alerts = "alerts";
    private const string AccessKey = "dashboard-access-key-5f1e";
    private const string QueryToken = "dashboard-query-token-8c3b";
    private const int RefreshSeconds = 1;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task TheDashboard_ListsEveryShardWithItsOwner_CountsWhatWasPut_AndShowsAFailingEndpointWithinOneRefresh()
    {
        var elapsed = Stopwatch.StartNew();
        using var clicks = new DeliveryScenario(stack);
        using var alerts = new DeliveryScenario(stack);
        await clicks.CreateAsync(shards: 4);
        await alerts.CreateAsync(shards: 1);
        FirehoseReceiver receiver = await FirehoseReceiver.StartAsync();
        await using var stopReceiver = new StopOnce(receiver.DisposeAsync);
        var random = new Random(17);
        List<byte[]> clickRecords = RecordMix.Small(600, random);
        List<byte[]> alertRecords = [.. Enumerable.Range(0, 50).Select(i => Encoding.UTF8.GetBytes($"{{\"alert\":{i}}}"))];
        await clicks.PutAsync(clickRecords, random);
        await alerts.PutAsync(alertRecords, random);

        await using WorkerProcess worker = WorkerProcess.Start(stack, Settings(clicks, alerts, receiver));
        Uri health = await HealthAddressAsync(worker);
        await clicks.WaitForCheckpointsAsync(Timeout, () => worker.Output);
        await alerts.WaitForCheckpointsAsync(Timeout, () => worker.Output);
        string workerId = (await StatusAsync(health)).GetProperty("workerId").GetString()!;
        output.WriteLine($"{elapsed.Elapsed.TotalSeconds:0.0} s: everything put is delivered");

        var dashboard = new Uri(health, $"?refresh={RefreshSeconds}");
        (DashboardBrowser browser, var opened) = await DashboardBrowser.OpenAsync(dashboard, 1280, 900);
        await using var closeBrowser = browser;
        opened["status"]!.GetValue<int>().ShouldBe(200);
        opened["contentSecurityPolicy"]!.GetValue<string>().ShouldContain("default-src 'none'", customMessage: "the page may load nothing from anywhere but the worker");

        // The first view: every shard with its owner, the counts of what was put, and a freshness chart with samples.
        DashboardView view = await browser.WaitUntilAsync(
            v => v.Pipeline(Clicks) is { } c && c.Shards.Count == 4 && c.Count("delivered") == clickRecords.Count && c.Charts["freshness"].Points >= 2
                && v.Pipeline(Alerts) is { } a && a.Count("delivered") == alertRecords.Count,
            "both pipelines with their shards, counts and a freshness chart",
            Timeout);
        output.WriteLine($"{elapsed.Elapsed.TotalSeconds:0.0} s: the page shows the shards, counts and charts");
        view.Readiness.ShouldBe("Ready");
        view.Worker.ShouldBe($"worker {workerId}");
        PipelineView clicksView = view.Pipeline(Clicks)!;
        clicksView.Count("incoming").ShouldBe(clickRecords.Count);
        clicksView.Count("backedUp").ShouldBe(0);
        clicksView.Count("failed").ShouldBe(0);
        clicksView.State!.ShouldStartWith("Delivering");
        clicksView.Error.ShouldBeNull();
        clicksView.Charts["rates"].Points.ShouldBeGreaterThanOrEqualTo(4, "records/s in and out, each drawn");
        clicksView.Route!.ShouldContain($"s3://{clicks.BucketName}/e2e/");
        AssertOwners(clicksView, await clicks.OwnersAsync(), workerId);
        AssertOwners(view.Pipeline(Alerts)!, await alerts.OwnersAsync(), workerId);

        // A second worker takes shards of the first pipeline: the first worker's page lists them with their new owner.
        await using WorkerProcess second = WorkerProcess.Start(stack, Settings(clicks, alerts: null, receiver: null));
        Dictionary<string, string?> owners = [];
        await Eventually.TrueAsync(
            async () => (owners = await clicks.OwnersAsync()).Values.Distinct().Count() == 2,
            () => $"the second worker has not taken a shard: {string.Join(", ", owners)}",
            Timeout,
            TimeSpan.FromMilliseconds(250));
        await Eventually.TrueAsync(
            async () =>
            {
                owners = await clicks.OwnersAsync();
                view = (await browser.ReadAsync()).View;
                return owners.All(pair => view.Pipeline(Clicks)!.Shards.Any(row => row["Shard"] == pair.Key && row["Owner"] == OwnerAsShown(pair.Value, workerId)
                    && (pair.Value == workerId || row["State"] == "read elsewhere")));
            },
            () => $"the page does not show the lease table's owners {string.Join(", ", owners)}, with the other worker's shards read elsewhere: {JsonSerializer.Serialize(view.Pipeline(Clicks))}",
            Timeout,
            TimeSpan.FromMilliseconds(250));
        output.WriteLine($"{elapsed.Elapsed.TotalSeconds:0.0} s: the page shows the second worker's shards");
        AssertOwners(view.Pipeline(Clicks)!, owners, workerId);

        // The endpoint goes away: its next writes fail, are given up at once (RetryDurationSeconds 0) and backed up.
        // Within one refresh of /status saying so, the page shows the pipeline failing, with the error.
        await stopReceiver.DisposeAsync();
        List<byte[]> failedRecords = [.. Enumerable.Range(0, 30).Select(i => Encoding.UTF8.GetBytes($"{{\"lost-endpoint\":{i}}}"))];
        await alerts.PutAsync(failedRecords, random);
        await Eventually.TrueAsync(
            async () => (await StatusAsync(health)).GetProperty("pipelines").EnumerateArray().Any(p => p.GetProperty("name").GetString() == Alerts && p.GetProperty("deliveryFailingSince").ValueKind == JsonValueKind.String),
            () => "/status does not show the endpoint failing",
            Timeout,
            TimeSpan.FromMilliseconds(100));
        var sinceStatus = Stopwatch.StartNew();
        view = await browser.WaitUntilAsync(
            v => v.Pipeline(Alerts)?.Error is not null,
            "the failing endpoint's error",
            TimeSpan.FromSeconds(RefreshSeconds + 2));
        output.WriteLine($"The page showed the failure {sinceStatus.ElapsedMilliseconds} ms after /status did (refresh every {RefreshSeconds} s).");
        PipelineView alertsView = view.Pipeline(Alerts)!;
        alertsView.State!.ShouldStartWith("Failing for");
        alertsView.Error!.ShouldContain("HttpEndpoint.ConnectionFailed");
        alertsView.Error!.ShouldContain("Writes to http_endpoint failing since");
        alertsView.Route!.ShouldContain("/v1/firehose", customMessage: "the endpoint is named, without its query");
        view = await browser.WaitUntilAsync(v => v.Pipeline(Alerts)!.Count("backedUp") == failedRecords.Count, "every record the endpoint could not take as backed up", Timeout);
        view.Pipeline(Alerts)!.Count("delivered").ShouldBe(alertRecords.Count);
        view.Pipeline(Alerts)!.Count("failed")!.Value.ShouldBeGreaterThan(0);
        view.Readiness.ShouldBe("Not ready");
        view.Problems!.ShouldContain("alerts");

        output.WriteLine($"{elapsed.Elapsed.TotalSeconds:0.0} s: the page shows the failing endpoint and its backed-up records");
        string desktop = Artifact("dashboard-desktop.png");
        await browser.ScreenshotAsync(desktop);
        output.WriteLine($"Screenshot (1280 px wide): {desktop}");

        // On a phone the same facts are there, and nothing makes the page scroll sideways.
        await browser.ResizeAsync(390, 844);
        view = await browser.WaitUntilAsync(v => v.Pipeline(Clicks)!.Charts.Values.All(chart => chart.Width < 390), "the charts drawn again for a phone's width", Timeout);
        view.Pipeline(Clicks)!.Shards.Count.ShouldBe(4);
        view.HorizontalOverflow.ShouldBeFalse("the page fits a phone's width");
        view.Pipeline(Alerts)!.Error!.ShouldContain("HttpEndpoint.ConnectionFailed");
        string phone = Artifact("dashboard-phone.png");
        await browser.ScreenshotAsync(phone, fullPage: false);
        output.WriteLine($"Screenshot (390 px wide): {phone}");

        // Nothing the page loaded came from anywhere but the worker, nothing failed in its script, and no secret is on it.
        (await browser.RequestsAsync()).ShouldAllBe(url => url.StartsWith(health.GetLeftPart(UriPartial.Authority) + "/", StringComparison.Ordinal));
        (await browser.ReadAsync()).ConsoleErrors.ShouldBeEmpty();
        string[] pages = [await browser.HtmlAsync(), .. await Task.WhenAll(new[] { "", "dashboard.js", "dashboard.css", "status" }.Select(path => _http.GetStringAsync(new Uri(health, path))))];
        foreach (string page in pages)
        {
            page.ShouldNotContain(AccessKey);
            page.ShouldNotContain(QueryToken);
        }

        // The same view in a terminal: a header per pipeline, one line per shard with its owner.
        output.WriteLine($"{elapsed.Elapsed.TotalSeconds:0.0} s: screenshots taken, no secret on the page");
        (int exitCode, string terminal) = await StatusVerbAsync(health);
        output.WriteLine(terminal);
        exitCode.ShouldBe(0, terminal);
        terminal.ShouldContain($"Worker {workerId} · NOT READY");
        terminal.ShouldContain($"{Clicks}  delivering");
        terminal.ShouldContain($"incoming {clickRecords.Count:N0} · delivered {clickRecords.Count:N0} · backed up 0");
        terminal.ShouldContain($"{Alerts}  FAILING for");
        terminal.ShouldContain($"delivered {alertRecords.Count} · backed up {failedRecords.Count}");
        terminal.ShouldContain("last error: HttpEndpoint.ConnectionFailed");
        owners = await clicks.OwnersAsync();
        string[] clicksLines = [.. terminal.Split('\n').SkipWhile(line => !line.StartsWith($"{Clicks}  ", StringComparison.Ordinal)).TakeWhile(line => line.Length > 0)];
        foreach ((string shard, string? owner) in owners)
        {
            clicksLines.ShouldContain(line => line.StartsWith($"  {shard}  {owner}", StringComparison.Ordinal), 1, $"one line for {shard}, owned by {owner}");
        }

        terminal.ShouldNotContain(AccessKey);
        terminal.ShouldNotContain(QueryToken);
        output.WriteLine($"{elapsed.Elapsed.TotalSeconds:0.0} s: the status verb printed the fleet");

    }

    private static void AssertOwners(PipelineView pipeline, Dictionary<string, string?> owners, string workerId)
    {
        pipeline.Shards.Select(row => row["Shard"]).Order(StringComparer.Ordinal).ShouldBe(owners.Keys.Order(StringComparer.Ordinal), $"every shard of {pipeline.Name} in the lease table is listed");
        foreach (IReadOnlyDictionary<string, string> row in pipeline.Shards)
        {
            row["Owner"].ShouldBe(OwnerAsShown(owners[row["Shard"]], workerId), $"shard {row["Shard"]} of {pipeline.Name}");
        }
    }

    private static string OwnerAsShown(string? owner, string workerId) => owner is null ? "no owner" : owner == workerId ? $"{owner} (this worker)" : owner;

    private static Dictionary<string, string> Settings(DeliveryScenario clicks, DeliveryScenario? alerts, FirehoseReceiver? receiver)
    {
        var settings = Renamed(clicks.WorkerSettings(), Clicks);
        settings["Delivery:Health:HistorySampleSeconds"] = "1";
        if (alerts is not null && receiver is not null)
        {
            const string P = $"Delivery:Pipelines:{Alerts}";
            foreach ((string key, string value) in Renamed(alerts.WorkerSettings(), Alerts).Where(pair => pair.Key.StartsWith(P, StringComparison.Ordinal) && !pair.Key.Contains(":S3:", StringComparison.Ordinal)))
            {
                settings[key] = value;
            }

            var url = new UriBuilder(receiver.Url) { Query = $"token={QueryToken}" };
            settings[$"{P}:HttpEndpoint:Url"] = url.Uri.ToString();
            settings[$"{P}:HttpEndpoint:AllowPlainHttp"] = "true";
            settings[$"{P}:HttpEndpoint:AccessKey"] = AccessKey;
            settings[$"{P}:HttpEndpoint:RetryDurationSeconds"] = "0";
            settings[$"{P}:HttpEndpoint:ConnectTimeoutSeconds"] = "2";
            settings[$"{P}:Backup:BucketName"] = alerts.BucketName;
        }

        return settings;
    }

    private static Dictionary<string, string> Renamed(Dictionary<string, string> settings, string pipeline) =>
        settings.ToDictionary(pair => pair.Key.Replace($":{DeliveryScenario.Pipeline}:", $":{pipeline}:", StringComparison.Ordinal), pair => pair.Value);

    private static async Task<Uri> HealthAddressAsync(WorkerProcess worker)
    {
        Uri? address = null;
        await Eventually.TrueAsync(() => (address = Operations.PublishedWorker.HealthAddress(worker.Output)) is not null || worker.HasExited, "the health endpoints listen", Timeout);
        return address ?? throw new InvalidOperationException($"The worker exited: {worker.Output}");
    }

    private static string Artifact(string name) => Path.Combine(AppContext.BaseDirectory, "artifacts", name);

    private static Task<(int ExitCode, string Output)> StatusVerbAsync(Uri health) =>
        ChildProcess.RunAsync("dotnet", [WorkerProcess.WorkerAssembly, "status", "--url", health.ToString()], TimeSpan.FromSeconds(30));

    private async Task<JsonElement> StatusAsync(Uri health)
    {
        using JsonDocument status = JsonDocument.Parse(await _http.GetStringAsync(new Uri(health, "status")));
        return status.RootElement.Clone();
    }

    private sealed class StopOnce(Func<ValueTask> stop) : IAsyncDisposable
    {
        private int _stopped;

        public ValueTask DisposeAsync() => Interlocked.Exchange(ref _stopped, 1) == 0 ? stop() : ValueTask.CompletedTask;
    }
}
