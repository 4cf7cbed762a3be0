using System.Text;
using System.Text.Json;
using Delivery.IntegrationTests.Destinations.Backup;
using Delivery.IntegrationTests.Destinations.Splunk;
using Delivery.Testing;

namespace Delivery.IntegrationTests.EndToEnd;

/// <summary>
/// The worker executable reading Kinesis into a collector that follows Splunk HEC's published formats
/// (<see cref="HecReceiver"/>), event endpoint, indexer acknowledgement on, every source record also backed up
/// (AllEvents). The collector is busy at first, drops the answer of one request it indexed (its ackId is lost), and
/// holds every acknowledgement for a while.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class KinesisToSplunkEndToEndTests(LocalAwsStack stack)
{
    private const string Token = "e2e-hec-token-41f3a9c0";

    [Fact]
    public async Task EveryEvent_IsAcknowledgedOnce_NothingIsCheckpointedBeforeItsAck_AndRefusedEventsAreBackedUpWithHecsError()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(shards: 2);
        await using HecReceiver hec = await HecReceiver.StartAsync(Token);
        hec.Behaviour = n => n switch { 1 => HecAction.Busy, 2 => HecAction.ResetAfterIndexing, _ => HecAction.Accept };
        hec.HoldAcks = true;
        List<byte[]> records = [.. Enumerable.Range(0, 2000).Select(n => Encoding.UTF8.GetBytes(HecEvent(n)))];
        await scenario.PutAsync(records, new Random(19));

        const string P = $"Delivery:Pipelines:{DeliveryScenario.Pipeline}";
        Dictionary<string, string> settings = scenario.WorkerSettings();
        settings.Remove($"{P}:S3:BucketName");
        settings.Remove($"{P}:S3:Prefix");
        settings[$"{P}:Splunk:HecEndpoint"] = hec.Url.ToString();
        settings[$"{P}:Splunk:AllowPlainHttp"] = "true";
        settings[$"{P}:Splunk:HecEndpointType"] = "Event";
        settings[$"{P}:Splunk:HecTokenVariable"] = "SPLUNK_HEC_TOKEN_E2E";
        settings[$"{P}:Splunk:S3BackupMode"] = "AllEvents";
        settings[$"{P}:Backup:BucketName"] = scenario.BucketName;
        settings[$"{P}:Backup:Prefix"] = "source/";
        settings["SPLUNK_HEC_TOKEN_E2E"] = Token;

        await using WorkerProcess worker = WorkerProcess.Start(stack, settings);
        await Eventually.TrueAsync(() => hec.Indexed.Count >= 3, "the collector indexes requests", TimeSpan.FromMinutes(2));
        await Task.Delay(TimeSpan.FromSeconds(3));
        (await scenario.CheckpointsAsync()).Values.ShouldAllBe(
            checkpoint => !checkpoint.All(char.IsAsciiDigit), "no sequence number may be checkpointed while HEC has acknowledged nothing");
        hec.Acknowledged.ShouldBeEmpty();
        await DashboardShowsSplunkAsync(worker, hec.Url);

        hec.HoldAcks = false;
        await scenario.WaitForCheckpointsAsync(TimeSpan.FromMinutes(3), () => worker.Output);
        await worker.StopGracefullyAsync(TimeSpan.FromSeconds(60));

        int[] refused = [.. Enumerable.Range(0, 2000).Where(Refused)];
        hec.Acknowledged.Select(request => (request.Channel, request.AckId)).ShouldBeUnique();
        hec.Acknowledged.SelectMany(request => request.Events).Order(StringComparer.Ordinal)
            .ShouldBe(Enumerable.Range(0, 2000).Except(refused).Select(n => $"{{\"n\":{n}}}").Order(StringComparer.Ordinal));
        hec.DataRequests.ShouldAllBe(request => request.Authorization == "Splunk " + Token && IsGuid(request.Channel));

        using Amazon.S3.AmazonS3Client s3 = stack.CreateS3Client();
        List<BackedUp> failed = await BackupBucket.ReadAsync(s3, scenario.BucketName, "splunk-failed/");
        failed.Select(record => record.Raw).Order(StringComparer.Ordinal).ShouldBe(refused.Select(HecEvent).Order(StringComparer.Ordinal));
        failed.ShouldAllBe(record => record.ErrorCode == "Splunk.InvalidIndex" && record.ErrorMessage.Contains("Incorrect index", StringComparison.Ordinal));
        (await scenario.ReadGzipLinesAsync("source/")).Order(StringComparer.Ordinal)
            .ShouldBe(records.Select(record => Encoding.UTF8.GetString(record)).Order(StringComparer.Ordinal));
        worker.Output.ShouldNotContain(Token);
        worker.Output.ShouldContain("Splunk.ServerBusy", customMessage: "the busy answer is logged");
    }

    // /status, which the dashboard and the status verb draw, names the destination and its endpoint, never the token.
    private static async Task DashboardShowsSplunkAsync(WorkerProcess worker, Uri endpoint)
    {
        Uri? health = null;
        await Eventually.TrueAsync(() => (health = Operations.PublishedWorker.HealthAddress(worker.Output)) is not null, "the health endpoints listen", TimeSpan.FromSeconds(30));
        using var http = new HttpClient();
        string status = await http.GetStringAsync(new Uri(health!, "status"));
        using JsonDocument document = JsonDocument.Parse(status);
        JsonElement pipeline = document.RootElement.GetProperty("pipelines").EnumerateArray().Single();
        pipeline.GetProperty("destination").GetString().ShouldBe("splunk");
        pipeline.GetProperty("target").GetString().ShouldBe($"Splunk HEC Event at {endpoint}");
        status.ShouldNotContain(Token);
    }

    private static bool IsGuid(string? text) => Guid.TryParse(text, out Guid _);

    private static bool Refused(int n) => n % 50 == 7;

    private static string HecEvent(int n) => Refused(n)
        ? $"{{\"event\":{{\"n\":{n}}},\"index\":\"audit\"}}"
        : $"{{\"event\":{{\"n\":{n}}},\"time\":1767225600.{n % 1000:D3},\"sourcetype\":\"e2e\"}}";
}
