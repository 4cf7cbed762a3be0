using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Delivery.IntegrationTests.EndToEnd;
using Delivery.Kinesis.Client;
using Delivery.Testing;

namespace Delivery.IntegrationTests.Operations;

/// <summary>
/// What an operator relies on, checked on the published worker against the local stack: health and status that match
/// the lease table and the bucket, DataFreshness that rises while the destination is down and falls after, EMF metrics
/// whose counts equal the records, bytes and objects of the run, JSON logs, and a clean stop on SIGTERM.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class OperationsEndToEndTests(LocalAwsStack stack, PublishedWorker published) : IClassFixture<PublishedWorker>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task ThePublishedBuild_Starts_ServesHealth_AndStopsCleanlyOnSigterm_WithinTheGracePeriod()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(shards: 1);
        var random = new Random(3);
        await scenario.PutAsync(RecordMix.Small(200, random), random);
        Dictionary<string, string> settings = Settings(scenario, graceSeconds: 10);

        await using WorkerProcess worker = WorkerProcess.Start(stack, settings, published.Executable);
        Uri health = await HealthAddressAsync(worker);
        (await _http.GetAsync(new Uri(health, "health/live"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (int verbExit, string verbOutput) = await RunAsync(published.Executable, "health", "--port", health.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        verbExit.ShouldBe(0, verbOutput);
        verbOutput.ShouldContain("\"status\": \"Healthy\"");
        await Eventually.TrueAsync(() => StatusCode(new Uri(health, "health/ready")) == HttpStatusCode.OK, "the worker is ready", Timeout);
        await scenario.WaitForCheckpointsAsync(Timeout, () => worker.Output);

        var stopping = Stopwatch.StartNew();
        await worker.StopGracefullyAsync(TimeSpan.FromSeconds(30));
        stopping.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10), "the drain ends within ShutdownGracePeriodSeconds");

        worker.Output.ShouldContain("released the lease");
        (await RunAsync(published.Executable, "health", "--port", health.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))).ExitCode.ShouldBe(1, "nothing answers once the worker is gone");
        AssertJsonLogs(worker.Output, stack);
    }

    [Fact]
    public async Task HealthStatusAndMetrics_FollowLeasesCheckpointsAndADestinationOutage_AndCountTheRunExactly()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(shards: 2);

        // The bucket passes the start-up check, then goes away before anything is read: a destination that fails
        // while the worker runs, for whatever reason, holds the data in the stream instead of stopping the worker.
        await using WorkerProcess worker = WorkerProcess.Start(stack, Settings(scenario, graceSeconds: 20), published.Executable);
        Uri health = await HealthAddressAsync(worker);
        await Eventually.TrueAsync(() => worker.Output.Contains("reads stream", StringComparison.Ordinal), "the pipeline has started", Timeout);
        using (AmazonS3Client s3 = stack.CreateS3Client())
        {
            await s3.DeleteBucketAsync(scenario.BucketName);
        }

        var outage = Stopwatch.StartNew();

        var random = new Random(11);
        List<byte[]> records = RecordMix.Small(1500, random);
        await scenario.PutAsync(records, random);

        JsonElement pipeline = default;
        await Eventually.TrueAsync(() => (pipeline = Pipeline(health)).ValueKind == JsonValueKind.Object
            && pipeline.GetProperty("shards").GetArrayLength() == 2
            && pipeline.GetProperty("shards").EnumerateArray().All(s => s.TryGetProperty("heldHere", out JsonElement held) && held.GetBoolean() && s.TryGetProperty("lastError", out JsonElement e) && e.ValueKind == JsonValueKind.Object), "both leases are held here and writes are failing", Timeout);
        string workerId = Status(health).GetProperty("workerId").GetString()!;
        foreach (JsonElement shard in pipeline.GetProperty("shards").EnumerateArray())
        {
            shard.GetProperty("leaseOwner").GetString().ShouldBe(workerId);
            shard.GetProperty("state").GetString().ShouldBe("Reading");
            shard.GetProperty("lastError").GetProperty("errorCode").GetString()!.ShouldContain("NoSuchBucket");
            (shard.GetProperty("bufferedRecords").GetInt32() + shard.GetProperty("inFlightBatches").GetInt32()).ShouldBeGreaterThan(0);
        }

        (await _http.GetAsync(new Uri(health, "health/live"))).StatusCode.ShouldBe(HttpStatusCode.OK, "a destination that is down does not make the worker dead");
        using (HttpResponseMessage ready = await _http.GetAsync(new Uri(health, "health/ready")))
        {
            ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            (await ready.Content.ReadAsStringAsync()).ShouldContain("NoSuchBucket", customMessage: "readiness names the failing destination");
        }

        double before = pipeline.GetProperty("dataFreshnessSeconds").GetDouble();
        await Task.Delay(TimeSpan.FromSeconds(3));
        double later = Pipeline(health).GetProperty("dataFreshnessSeconds").GetDouble();
        later.ShouldBeGreaterThan(before + 2, "freshness rises while nothing can be delivered");

        await scenario.CreateBucketAsync();
        outage.Stop();
        await scenario.WaitForCheckpointsAsync(Timeout, () => worker.Output);
        await Eventually.TrueAsync(() => Pipeline(health).GetProperty("dataFreshnessSeconds").GetDouble() == 0, "freshness falls to zero once everything is delivered", Timeout);
        await Eventually.TrueAsync(() => StatusCode(new Uri(health, "health/ready")) == HttpStatusCode.OK, "ready again after a delivery", Timeout);
        Dictionary<string, string> checkpoints = await scenario.CheckpointsAsync();

        // Polled: under load a lease can move and come back, and the page shows a shard's session only while it is held.
        await Eventually.TrueAsync(() => Pipeline(health).GetProperty("shards") is var shards && shards.GetArrayLength() == checkpoints.Count && shards.EnumerateArray().All(shard =>
            shard.TryGetProperty("checkpoint", out JsonElement checkpoint) && checkpoint.GetString() == checkpoints[shard.GetProperty("shardId").GetString()!]
            && shard.TryGetProperty("deliveredThrough", out JsonElement delivered) && delivered.GetString() == checkpoint.GetString()
            && shard.TryGetProperty("lastDeliveryTime", out JsonElement time) && time.ValueKind == JsonValueKind.String), "the status page shows the lease table's checkpoints as delivered", Timeout);

        await worker.StopGracefullyAsync(TimeSpan.FromSeconds(60));
        int objects = await scenario.VerifyDeliveredExactlyOnceAsync();

        // The EMF lines of the whole run, the last one written on the way out, add up to exactly what was put.
        Dictionary<string, double> sums = EmfSums(worker.Output, "ops");
        long bytes = records.Sum(record => (long)record.Length);
        sums["IncomingRecords"].ShouldBe(records.Count);
        sums["IncomingBytes"].ShouldBe(bytes);
        sums["DataReadFromKinesisStream.Records"].ShouldBe(records.Count);
        sums["DeliveryToS3.Records"].ShouldBe(records.Count);
        sums["DeliveryToS3.Bytes"].ShouldBe(bytes);
        sums["DeliveryToS3.ObjectCount"].ShouldBe(objects);
        sums["DeliveryToS3.Success.ones"].ShouldBe(objects);
        sums["DeliveryToS3.Success.zeros"].ShouldBeGreaterThan(0, "the writes during the outage failed");
        sums["DeliveryToS3.FailingSeconds"].ShouldBeGreaterThan(0, "an alarm sees how long the destination has been failing");

        // Every failed attempt is counted in Success, but the log holds the first failure and at most one summary a minute.
        int[] events = [.. JsonLogs(worker.Output).Select(log => log.RootElement.GetProperty("EventId").GetInt32())];
        events.Count(id => id == 2002).ShouldBe(1, "the first failed write is logged in full, the others are summarised");
        events.Count(id => id == 2010).ShouldBeLessThanOrEqualTo((int)Math.Ceiling(outage.Elapsed.TotalMinutes), "at most one summary a minute");
        events.Count(id => id == 2011).ShouldBe(1, "the recovery is logged once");
    }

    private static Dictionary<string, string> Settings(DeliveryScenario scenario, int graceSeconds)
    {
        Dictionary<string, string> settings = scenario.WorkerSettings();
        foreach (string key in settings.Keys.Where(key => key.Contains($":{DeliveryScenario.Pipeline}:", StringComparison.Ordinal)).ToList())
        {
            settings[key.Replace($":{DeliveryScenario.Pipeline}:", ":ops:", StringComparison.Ordinal)] = settings[key];
            settings.Remove(key);
        }

        settings["Delivery:ShutdownGracePeriodSeconds"] = graceSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Delivery:Health:Port"] = "0";
        settings["Delivery:Health:ListenAddress"] = "127.0.0.1";
        settings["Delivery:Telemetry:Emf:IntervalSeconds"] = "2";
        settings["Logging:Console:FormatterName"] = "json";
        return settings;
    }

    private static async Task<Uri> HealthAddressAsync(WorkerProcess worker)
    {
        Uri? address = null;
        await Eventually.TrueAsync(() => (address = PublishedWorker.HealthAddress(worker.Output)) is not null, "the health endpoints listen", Timeout);
        return address!;
    }

    internal static Dictionary<string, double> EmfSums(string output, string pipeline)
    {
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string line in output.Split('\n').Where(line => line.StartsWith("{\"_aws\"", StringComparison.Ordinal)))
        {
            using JsonDocument emf = JsonDocument.Parse(line);
            if (emf.RootElement.GetProperty("DeliveryStreamName").GetString() != pipeline)
            {
                continue;
            }

            foreach (JsonElement metric in emf.RootElement.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Metrics").EnumerateArray())
            {
                string name = metric.GetProperty("Name").GetString()!;
                JsonElement value = emf.RootElement.GetProperty(name);
                if (value.ValueKind == JsonValueKind.Array)
                {
                    int ones = value.EnumerateArray().Count(v => v.GetInt32() == 1);
                    sums[name + ".ones"] = sums.GetValueOrDefault(name + ".ones") + ones;
                    sums[name + ".zeros"] = sums.GetValueOrDefault(name + ".zeros") + value.GetArrayLength() - ones;
                }
                else
                {
                    sums[name] = sums.GetValueOrDefault(name) + value.GetDouble();
                }
            }
        }

        return sums;
    }

    /// <summary>Every log line is a JSON object with an event id; shard events carry the pipeline and shard scopes; no secret shows.</summary>
    private static void AssertJsonLogs(string output, LocalAwsStack stack)
    {
        List<JsonDocument> logs = JsonLogs(output);
        logs.Count.ShouldBeGreaterThan(5);
        bool releasedWithScopes = false;
        foreach (JsonDocument log in logs)
        {
            log.RootElement.TryGetProperty("EventId", out _).ShouldBeTrue(log.RootElement.GetRawText());
            if (log.RootElement.GetProperty("EventId").GetInt32() == 1104)
            {
                string scopes = log.RootElement.GetProperty("Scopes").GetRawText();
                releasedWithScopes = scopes.Contains("\"Pipeline\":\"ops\"", StringComparison.Ordinal) && scopes.Contains("\"ShardId\":\"shardId-", StringComparison.Ordinal);
            }
        }

        releasedWithScopes.ShouldBeTrue("the lease release is logged with the pipeline and shard in scope");
        output.ShouldNotContain(stack.Credentials.GetCredentials().SecretKey + "\"");
    }

    /// <summary>The JSON log lines of the output, parsed.</summary>
    private static List<JsonDocument> JsonLogs(string output) =>
        [.. output.Split('\n').Select(line => line.Trim()).Where(line => line.StartsWith("{\"Timestamp\"", StringComparison.Ordinal)).Select(line => JsonDocument.Parse(line))];

    private static Task<(int ExitCode, string Output)> RunAsync(string executable, params string[] arguments) =>
        ChildProcess.RunAsync(executable, arguments, TimeSpan.FromSeconds(30));

    private HttpStatusCode StatusCode(Uri url)
    {
        try
        {
            using HttpResponseMessage response = _http.GetAsync(url).GetAwaiter().GetResult();
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private JsonElement Status(Uri health)
    {
        string body = _http.GetStringAsync(new Uri(health, "status")).GetAwaiter().GetResult();
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private JsonElement Pipeline(Uri health) =>
        Status(health).GetProperty("pipelines").EnumerateArray().FirstOrDefault(p => p.GetProperty("name").GetString() == "ops");
}
