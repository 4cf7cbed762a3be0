using System.Text.Json;
using Delivery.Worker.CommandLine;

namespace Delivery.UnitTests.Worker.CommandLine;

/// <summary>
/// The terminal view of a status document a person can check line by line: a fleet of two workers, one pipeline
/// delivering and one whose endpoint fails, shards held here, elsewhere and by nobody.
/// </summary>
public sealed class StatusFormatterTests
{
    internal const string FleetStatus = """
        {
          "workerId": "worker-a",
          "time": "2026-12-06T12:00:00+00:00",
          "started": true,
          "ready": false,
          "notReadyBecause": ["pipeline alerts: writes to http_endpoint have failed since 2026-12-06T11:59:18Z"],
          "pipelines": [
            {
              "name": "clicks", "stream": "clickstream", "leaseTable": "clicks-leases", "destination": "s3",
              "target": "s3://acme-raw/clicks/", "running": true, "dataFreshnessSeconds": 4.25,
              "lastDeliveryTime": "2026-12-06T11:59:58+00:00", "lastDeliveryError": null, "deliveryFailingSince": null,
              "deliveryFailingSeconds": 0, "lastBackupError": null, "backupFailingSince": null, "backupFailingSeconds": 0,
              "counts": { "incomingRecords": 1234567, "incomingBytes": 1, "deliveredRecords": 1230000, "deliveredBytes": 1,
                          "backedUpRecords": 12, "failedAttempts": 2, "failedBackupAttempts": 1 },
              "history": { "sampleSeconds": 10, "spanSeconds": 3600, "time": [1, 2], "dataFreshnessSeconds": [3, 4.25],
                           "incomingRecordsPerSecond": [900, 1012.5], "deliveredRecordsPerSecond": [880, 998] },
              "shards": [
                { "shardId": "shardId-000000000000", "leaseOwner": "worker-a", "checkpoint": "49680891564413217198222714434402293651369736841962979330",
                  "heldHere": true, "state": "Reading", "millisBehindLatest": 1500, "lastDeliveryTime": "2026-12-06T11:59:58+00:00",
                  "lastError": { "time": "2026-12-06T11:00:00+00:00", "errorCode": "Kinesis.ProvisionedThroughputExceededException", "message": "GetRecords was throttled." },
                  "deliveredThrough": "x", "bufferedRecords": 2048, "bufferedBytes": 1572864, "inFlightBatches": 1 },
                { "shardId": "shardId-000000000001", "leaseOwner": "worker-b", "checkpoint": "TRIM_HORIZON", "heldHere": false },
                { "shardId": "shardId-000000000002", "heldHere": false }
              ]
            },
            {
              "name": "alerts", "stream": "alerts", "leaseTable": "alerts-leases", "destination": "http_endpoint",
              "target": "https://hooks.example.com/ingest", "running": true, "dataFreshnessSeconds": 95,
              "lastDeliveryTime": null,
              "lastDeliveryError": { "time": "2026-12-06T11:59:55+00:00", "errorCode": "HttpEndpoint.ConnectionFailed", "message": "Connection refused\n(hooks.example.com:443)" },
              "deliveryFailingSince": "2026-12-06T11:59:18+00:00", "deliveryFailingSeconds": 42,
              "lastBackupError": null, "backupFailingSince": null, "backupFailingSeconds": 0,
              "counts": { "incomingRecords": 0, "deliveredRecords": 0, "backedUpRecords": 0, "failedAttempts": 7, "failedBackupAttempts": 0 },
              "history": { "sampleSeconds": 10, "spanSeconds": 3600, "time": [], "dataFreshnessSeconds": [], "incomingRecordsPerSecond": [], "deliveredRecordsPerSecond": [] },
              "shards": []
            }
          ]
        }
        """;

    [Fact]
    public void AFleet_IsOneHeaderPerPipeline_AndOneAlignedLinePerShard()
    {
        string[] lines = Format(FleetStatus);

        lines.ShouldBe(
        [
            "Worker worker-a · NOT READY · 2026-12-06 12:00:00Z",
            "  not ready: pipeline alerts: writes to http_endpoint have failed since 2026-12-06T11:59:18Z",
            "",
            "clicks  delivering, last 2 s ago · s3 s3://acme-raw/clicks/ · stream clickstream · lease table clicks-leases",
            "  freshness 4.3 s · in 1,012.5/s · out 998/s · incoming 1,234,567 · delivered 1,230,000 · backed up 12 · failed attempts 3",
            "  SHARD                 OWNER       STATE        BEHIND           BUFFERED  IN FLIGHT  CHECKPOINT    LAST DELIVERY  LAST ERROR",
            "  shardId-000000000000  worker-a *  Reading    1,500 ms  2,048 rec 1.5 MiB          1  …1962979330   2 s ago        Kinesis.ProvisionedThroughputExceededException: GetRecords was throttled. (60 min ago)",
            "  shardId-000000000001  worker-b    elsewhere         -                  -          -  TRIM_HORIZON  -              -",
            "  shardId-000000000002  (none)      -                 -                  -          -  -             -              -",
            "  * this worker",
            "",
            "alerts  FAILING for 42 s · http_endpoint https://hooks.example.com/ingest · stream alerts · lease table alerts-leases",
            "  freshness 95 s · in - · out - · incoming 0 · delivered 0 · backed up 0 · failed attempts 7",
            "  last error: HttpEndpoint.ConnectionFailed: Connection refused (hooks.example.com:443) (5 s ago)",
            "  no shards yet (the lease table is empty or still being created)",
        ]);
    }

    [Fact]
    public void AReadyWorkerWithoutPipelines_SaysSo()
    {
        string[] lines = Format("""{ "workerId": "w", "time": "2026-12-06T12:00:00Z", "started": false, "ready": false, "notReadyBecause": ["starting 1 pipelines"], "pipelines": [] }""");

        lines.ShouldBe(["Worker w · starting · 2026-12-06 12:00:00Z", "  not ready: starting 1 pipelines", "No pipeline has started yet."]);
    }

    [Theory]
    [InlineData(0.24, "0.2 s")]
    [InlineData(95, "95 s")]
    [InlineData(9.96, "10 s")]
    [InlineData(42, "42 s")]
    [InlineData(600, "10 min")]
    [InlineData(7200, "2 h")]
    [InlineData(259200, "3 d")]
    public void Durations_ReadAsAPersonSaysThem(double seconds, string expected) => StatusFormatter.Duration(seconds).ShouldBe(expected);

    [Theory]
    [InlineData("49680891564413217198222714434402293651369736841962979330", "…1962979330")]
    [InlineData("TRIM_HORIZON", "TRIM_HORIZON")]
    [InlineData("SHARD_END", "SHARD_END")]
    [InlineData("123", "123")]
    [InlineData(null, "-")]
    public void Checkpoints_KeepTheDigitsThatDiffer(string? checkpoint, string expected) => StatusFormatter.Checkpoint(checkpoint).ShouldBe(expected);

    private static string[] Format(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        var output = new StringWriter { NewLine = "\n" };
        StatusFormatter.Write(document.RootElement, output);
        return output.ToString().TrimEnd('\n').Split('\n');
    }
}
