using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Delivery.IntegrationTests.Operations;
using Delivery.Testing;

namespace Delivery.IntegrationTests.EndToEnd;

/// <summary>
/// Producers nobody here wrote put records through Direct PUT into the worker executable: Debian's AWS CLI and a boto3
/// script, signing with SigV4 as they do for Firehose. What they were told is stored (each RecordId a shard and
/// sequence number) must arrive in S3 exactly once, byte for byte and in shard order, and everything Firehose refuses
/// (a bad signature, an unknown key, a record over 1,000 KiB, 501 records, a stream that does not exist) must be
/// refused with Firehose's error, storing nothing.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed partial class DirectPutEndToEndTests(LocalAwsStack stack)
{
    private const string AccessKeyId = "AKIADIRECTPUTE2E0001";
    private const string SecretVariable = "E2E_DIRECT_PUT_SECRET";
    private static readonly string Secret = $"e2e/{Guid.NewGuid():N}+secret";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task WhatTheAwsCliAndBoto3Put_ArrivesInS3ExactlyOnce_AndWhatFirehoseRefusesIsRefused()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(shards: 2);
        Dictionary<string, string> settings = scenario.WorkerSettings();
        const string P = $"Delivery:Pipelines:{DeliveryScenario.Pipeline}";
        settings[$"{P}:DirectPut:Enabled"] = "true";
        settings["Delivery:DirectPut:Enabled"] = "true";
        settings["Delivery:DirectPut:Port"] = "0";
        settings["Delivery:DirectPut:Authentication:Keys:0:AccessKeyId"] = AccessKeyId;
        settings["Delivery:DirectPut:Authentication:Keys:0:SecretAccessKeyVariable"] = SecretVariable;
        settings["Delivery:Telemetry:Emf:IntervalSeconds"] = "2";
        settings[SecretVariable] = Secret;

        await using WorkerProcess worker = WorkerProcess.Start(stack, settings);
        Uri endpoint = await EndpointAsync(worker);

        int fromCli = await PutWithTheAwsCliAsync(scenario, endpoint);
        JsonElement boto3 = await PutWithBoto3Async(scenario, endpoint);

        await scenario.WaitForCheckpointsAsync(Timeout, () => worker.Output);
        await worker.StopGracefullyAsync(TimeSpan.FromSeconds(60));
        (await scenario.VerifyDeliveredExactlyOnceAsync()).ShouldBeGreaterThan(0);

        int fromBoto3 = boto3.GetProperty("stored").GetArrayLength();
        scenario.PutCount.ShouldBe(fromCli + fromBoto3, "every record a producer was told is stored, and nothing else, is in the stream");
        JsonElement refusals = boto3.GetProperty("refusals");
        refusals.GetProperty("tooLarge").GetString().ShouldBe("InvalidArgumentException");
        refusals.GetProperty("tooMany").GetString().ShouldBe("InvalidArgumentException");
        refusals.GetProperty("noSuchStream").GetString().ShouldBe("ResourceNotFoundException");
        refusals.GetProperty("wrongSecret").GetString().ShouldBe("InvalidSignatureException");
        refusals.GetProperty("unknownKey").GetString().ShouldBe("UnrecognizedClientException");
        boto3.GetProperty("type").GetString().ShouldBe("DirectPut");
        boto3.GetProperty("status").GetString().ShouldBe("ACTIVE");
        boto3.GetProperty("names").EnumerateArray().Select(n => n.GetString()).ShouldBe([DeliveryScenario.Pipeline]);

        // Firehose's API metrics, from the EMF lines of the run: the CLI made 3 batch calls and 2 single ones, boto3 3 and 2.
        Dictionary<string, double> sums = OperationsEndToEndTests.EmfSums(worker.Output, DeliveryScenario.Pipeline);
        sums.GetValueOrDefault("PutRecordBatch.Records").ShouldBe(fromCli + fromBoto3 - 4);
        sums.GetValueOrDefault("PutRecord.Requests").ShouldBe(2 + 2, "a call refused as invalid (the record over 1,000 KiB) is not a request of the stream");
        sums.GetValueOrDefault("IncomingPutRequests").ShouldBe(3 + 2 + 3 + 2);
        worker.Output.ShouldNotContain(Secret);
    }

    /// <summary>Three put-record-batch calls and two put-record calls; returns how many records the CLI was told are stored.</summary>
    private static async Task<int> PutWithTheAwsCliAsync(DeliveryScenario scenario, Uri endpoint)
    {
        int stored = 0;
        for (int batch = 0; batch < 3; batch++)
        {
            byte[][] records = [.. Enumerable.Range(0, 150).Select(n => Encoding.UTF8.GetBytes($"{{\"client\":\"awscli\",\"batch\":{batch},\"n\":{n},\"pad\":\"{new string('x', n * 7)}\"}}"))];
            string file = Path.Combine(Path.GetTempPath(), $"direct-put-{Guid.NewGuid():N}.json");
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(records.Select(r => new { Data = Convert.ToBase64String(r) })));
            try
            {
                JsonElement answer = await AwsCliAsync(endpoint, "put-record-batch", "--delivery-stream-name", DeliveryScenario.Pipeline, "--records", $"file://{file}");
                answer.GetProperty("FailedPutCount").GetInt32().ShouldBe(0);
                JsonElement[] entries = [.. answer.GetProperty("RequestResponses").EnumerateArray()];
                entries.Length.ShouldBe(records.Length);
                for (int i = 0; i < records.Length; i++)
                {
                    Remember(scenario, entries[i].GetProperty("RecordId").GetString()!, records[i]);
                    stored++;
                }
            }
            finally
            {
                File.Delete(file);
            }
        }

        foreach (string text in new[] { "{\"client\":\"awscli\",\"single\":1}", "{\"client\":\"awscli\",\"single\":2}" })
        {
            JsonElement answer = await AwsCliAsync(endpoint, "put-record", "--delivery-stream-name", DeliveryScenario.Pipeline, "--record", $"Data={Convert.ToBase64String(Encoding.UTF8.GetBytes(text))}");
            Remember(scenario, answer.GetProperty("RecordId").GetString()!, Encoding.UTF8.GetBytes(text));
            stored++;
        }

        return stored;
    }

    private static async Task<JsonElement> PutWithBoto3Async(DeliveryScenario scenario, Uri endpoint)
    {
        string script = Path.Combine(LocalAwsStack.RepositoryRoot, "tests", "Delivery.IntegrationTests", "EndToEnd", "direct-put-boto3.py");
        (int exit, string output, string error) = await RunAsync(Python(), [script, endpoint.ToString(), DeliveryScenario.Pipeline, AccessKeyId, Secret, "us-east-1"]);
        exit.ShouldBe(0, error);
        JsonElement result = JsonDocument.Parse(output).RootElement.Clone();
        foreach (JsonElement record in result.GetProperty("stored").EnumerateArray())
        {
            Remember(scenario, record.GetProperty("id").GetString()!, Convert.FromBase64String(record.GetProperty("data").GetString()!));
        }

        return result;
    }

    private static void Remember(DeliveryScenario scenario, string recordId, byte[] data)
    {
        Match id = RecordIdPattern().Match(recordId);
        id.Success.ShouldBeTrue($"RecordId '{recordId}' is <shard id>:<sequence number>");
        scenario.RecordStored(id.Groups[1].Value, id.Groups[2].Value, data);
    }

    private static async Task<JsonElement> AwsCliAsync(Uri endpoint, params string[] arguments)
    {
        (int exit, string output, string error) = await RunAsync(AwsCli(), ["firehose", .. arguments, "--endpoint-url", endpoint.ToString(), "--output", "json"]);
        exit.ShouldBe(0, $"aws firehose {arguments[0]}: {error}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string program, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The producers' own credentials and region; nothing from a profile on this machine.
        start.Environment["AWS_ACCESS_KEY_ID"] = AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = Secret;
        start.Environment["AWS_DEFAULT_REGION"] = "us-east-1";
        start.Environment["AWS_REGION"] = "us-east-1";
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment["AWS_PAGER"] = "";
        start.Environment.Remove("AWS_SESSION_TOKEN");
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(Timeout);
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await output, await error);
    }

    private static async Task<Uri> EndpointAsync(WorkerProcess worker)
    {
        Uri? endpoint = null;
        await Eventually.TrueAsync(
            () => (endpoint = ListeningOn().Match(worker.Output) is { Success: true } match ? new Uri(match.Groups[1].Value) : null) is not null || worker.HasExited,
            "Direct PUT listens",
            Timeout);
        endpoint.ShouldNotBeNull(worker.Output);
        return endpoint;
    }

    // Debian's packages (test.sh installs awscli and python3-boto3): other copies on PATH may be other versions.
    private static string AwsCli() => File.Exists("/usr/bin/aws") ? "/usr/bin/aws" : "aws";

    private static string Python() => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    [GeneratedRegex(@"Direct PUT \(the Firehose API\) listening on (http://[0-9.]+:[0-9]+/)")]
    private static partial Regex ListeningOn();

    [GeneratedRegex(@"^(shardId-[0-9]+):([0-9]+)$")]
    private static partial Regex RecordIdPattern();
}
