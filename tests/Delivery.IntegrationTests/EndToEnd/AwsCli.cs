using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Delivery.Kinesis.Client;
using Delivery.Testing;

namespace Delivery.IntegrationTests.EndToEnd;

/// <summary>
/// Debian's <c>awscli</c> (AWS CLI v2 on botocore) pointed at the test stack: a client nobody here wrote, speaking the
/// services' own wire protocols. test.sh installs it when missing. Path-style S3 and the stack's key pair (s3rver checks
/// its one pair) come from a config file and environment of its own, so nothing from the user's ~/.aws applies.
/// </summary>
internal sealed class AwsCli : IDisposable
{
    private readonly LocalAwsStack _stack;
    private readonly string _directory = Directory.CreateTempSubdirectory("delivery-awscli-").FullName;

    public AwsCli(LocalAwsStack stack)
    {
        _stack = stack;
        File.WriteAllText(Path.Combine(_directory, "config"), $"[default]\nregion = {stack.Region}\ns3 =\n    addressing_style = path\n");
    }

    /// <summary>Debian's package installs /usr/bin/aws; another aws earlier on PATH (a pip install, v1) may differ.</summary>
    public static string Executable { get; } = File.Exists("/usr/bin/aws") ? "/usr/bin/aws" : "aws";

    /// <summary><c>aws kinesis put-records</c>, the records base64 in a JSON file as the CLI expects blobs.</summary>
    public async Task<PutRecordsResponse> PutRecordsAsync(PutRecordsRequest request)
    {
        string records = Path.Combine(_directory, "records.json");
        var entries = new JsonArray([.. request.Records.Select(entry => (JsonNode)new JsonObject
        {
            ["Data"] = Convert.ToBase64String(entry.Data.ToArray()),
            ["PartitionKey"] = entry.PartitionKey,
        })]);
        await File.WriteAllTextAsync(records, entries.ToJsonString());
        JsonNode reply = JsonNode.Parse(await RunAsync(
            "kinesis", "put-records", "--stream-name", request.StreamName!, "--records", "file://" + records,
            "--endpoint-url", _stack.KinesisEndpoint.ToString(), "--cli-binary-format", "base64", "--output", "json"))!;
        return new PutRecordsResponse
        {
            FailedRecordCount = reply["FailedRecordCount"]?.GetValue<int>() ?? 0,
            Records = [.. reply["Records"]!.AsArray().Select(entry => new PutRecordsResultEntry
            {
                ShardId = entry!["ShardId"]?.GetValue<string>(),
                SequenceNumber = entry["SequenceNumber"]?.GetValue<string>(),
                ErrorCode = entry["ErrorCode"]?.GetValue<string>(),
                ErrorMessage = entry["ErrorMessage"]?.GetValue<string>(),
            })],
        };
    }

    /// <summary>
    /// Every object under <paramref name="prefix"/>: keys from <c>aws s3api list-objects-v2</c>, bytes from
    /// <c>aws s3 cp</c>, the shard and sequence numbers from <c>aws s3api head-object</c>'s metadata.
    /// </summary>
    public async Task<List<DeliveredObject>> ReadObjectsAsync(string bucket, string prefix)
    {
        string endpoint = _stack.S3Endpoint.ToString();
        JsonNode listing = JsonNode.Parse(await RunAsync(
            "s3api", "list-objects-v2", "--bucket", bucket, "--prefix", prefix, "--endpoint-url", endpoint, "--output", "json"))!;
        var objects = new List<DeliveredObject>();
        foreach (JsonNode? entry in listing["Contents"]?.AsArray() ?? [])
        {
            string key = entry!["Key"]!.GetValue<string>();
            string local = Path.Combine(_directory, "object.gz");
            await RunAsync("s3", "cp", $"s3://{bucket}/{key}", local, "--endpoint-url", endpoint, "--only-show-errors");
            JsonNode head = JsonNode.Parse(await RunAsync("s3api", "head-object", "--bucket", bucket, "--key", key, "--endpoint-url", endpoint, "--output", "json"))!;
            JsonNode metadata = head["Metadata"]!;
            await using var gzip = new GZipStream(File.OpenRead(local), CompressionMode.Decompress);
            using var content = new MemoryStream();
            await gzip.CopyToAsync(content);
            objects.Add(new DeliveredObject(
                key, metadata["source-shard"]!.GetValue<string>(), new ShardPosition(metadata["first-sequence-number"]!.GetValue<string>()),
                new ShardPosition(metadata["last-sequence-number"]!.GetValue<string>()), content.ToArray()));
        }

        return objects;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Process StartOrExplain(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Executable}.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"The AWS CLI ({Executable}) is needed by this test: install Debian's awscli package (./test.sh does).", ex);
        }
    }

    private async Task<string> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        ImmutableCredentials credentials = await _stack.Credentials.GetCredentialsAsync();
        start.Environment["AWS_CONFIG_FILE"] = Path.Combine(_directory, "config");
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(_directory, "credentials");
        start.Environment["AWS_ACCESS_KEY_ID"] = credentials.AccessKey;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = credentials.SecretKey;
        start.Environment["AWS_DEFAULT_REGION"] = _stack.Region;
        start.Environment["AWS_PAGER"] = "";
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        start.Environment.Remove("AWS_PROFILE");
        start.Environment.Remove("AWS_SESSION_TOKEN");

        using Process process = StartOrExplain(start);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"aws {string.Join(' ', arguments.Take(2))} failed ({process.ExitCode}): {await stderr}");
        }

        return await stdout;
    }
}
