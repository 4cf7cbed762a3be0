using System.Text;
using Delivery.IntegrationTests.Destinations.Http;
using Delivery.Testing;

namespace Delivery.IntegrationTests.EndToEnd;

/// <summary>The worker executable reading Kinesis into a Firehose HTTP receiver, with every source record also backed up (AllData).</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class KinesisToHttpEndpointEndToEndTests(LocalAwsStack stack)
{
    private const string AccessKey = "e2e-access-key-7d2a";

    [Fact]
    public async Task EveryRecord_ReachesTheReceiverOnce_AndEverySourceRecordIsInTheBackupBucket_WithoutTheKeyInAnyLog()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(shards: 2);
        await using FirehoseReceiver receiver = await FirehoseReceiver.StartAsync();
        receiver.Behaviour = (_, attempt) => attempt == 1 ? Reply.WithStatus(503, "warming up") : Reply.Ok;
        var random = new Random(6);
        List<byte[]> records = [.. Enumerable.Range(0, 3000).Select(i => Encoding.UTF8.GetBytes($"{{\"n\":{i},\"v\":\"{new string('v', random.Next(0, 300))}\"}}"))];
        await scenario.PutAsync(records, random);

        const string P = $"Delivery:Pipelines:{DeliveryScenario.Pipeline}";
        Dictionary<string, string> settings = scenario.WorkerSettings();
        settings.Remove($"{P}:S3:BucketName");
        settings.Remove($"{P}:S3:Prefix");
        settings[$"{P}:HttpEndpoint:Url"] = receiver.Url.ToString();
        settings[$"{P}:HttpEndpoint:AllowPlainHttp"] = "true";
        settings[$"{P}:HttpEndpoint:AccessKey"] = AccessKey;
        settings[$"{P}:HttpEndpoint:ContentEncoding"] = "Gzip";
        settings[$"{P}:HttpEndpoint:CommonAttributes:env"] = "e2e";
        settings[$"{P}:HttpEndpoint:S3BackupMode"] = "AllData";
        settings[$"{P}:Backup:BucketName"] = scenario.BucketName;
        settings[$"{P}:Backup:Prefix"] = "source/";

        await using WorkerProcess worker = WorkerProcess.Start(stack, settings);
        await scenario.WaitForCheckpointsAsync(TimeSpan.FromMinutes(3), () => worker.Output);
        await worker.StopGracefullyAsync(TimeSpan.FromSeconds(60));

        string[] expected = [.. records.Select(r => Encoding.UTF8.GetString(r)).Order(StringComparer.Ordinal)];
        ReceivedRequest[] accepted = [.. receiver.Accepted];
        accepted.Select(a => a.RequestId).ShouldBeUnique();
        accepted.ShouldAllBe(a => a.Header("X-Amz-Firehose-Access-Key") == AccessKey && a.Header("Content-Encoding") == "gzip");
        accepted.SelectMany(a => a.Records).Select(r => Encoding.UTF8.GetString(r)).Order(StringComparer.Ordinal).ShouldBe(expected);
        (await scenario.ReadGzipLinesAsync("source/")).Order(StringComparer.Ordinal).ShouldBe(expected);
        worker.Output.ShouldNotContain(AccessKey);
        worker.Output.ShouldContain("HttpEndpointBatchWriter[4202]", customMessage: "the first attempt of each request is refused and logged");
    }
}
