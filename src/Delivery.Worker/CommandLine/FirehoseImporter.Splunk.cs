using System.Text.Json;
using System.Text.Json.Nodes;

namespace Delivery.Worker.CommandLine;

/// <summary>Firehose's Splunk destination (<c>SplunkDestinationDescription</c>) as a Delivery Splunk destination.</summary>
internal static partial class FirehoseImporter
{
    private static void MapSplunk(JsonElement splunk, string pipelineName, JsonObject pipeline, List<string> notes)
    {
        MapBuffering(splunk, pipeline);
        string endpoint = Text(splunk, "HECEndpoint") ?? throw new FormatException("SplunkDestinationDescription has no HECEndpoint.");
        string variable = HecTokenVariable(pipelineName);
        var destination = new JsonObject { ["HecEndpoint"] = endpoint, ["HecEndpointType"] = Text(splunk, "HECEndpointType") ?? "Raw", ["HecTokenVariable"] = variable };
        if (endpoint.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            destination["AllowPlainHttp"] = true;
        }

        if (Number(splunk, "HECAcknowledgmentTimeoutInSeconds") is { } ackTimeout)
        {
            destination["HecAcknowledgmentTimeoutInSeconds"] = ackTimeout;
        }

        if (RetryDuration(splunk) is { } retry)
        {
            destination["RetryDurationSeconds"] = retry;
        }

        if (Text(splunk, "S3BackupMode") is "AllEvents")
        {
            destination["S3BackupMode"] = "AllEvents";
        }

        pipeline["Splunk"] = destination;

        // DescribeDeliveryStream returns the token itself; a configuration file is no place for it.
        string source = splunk.TryGetProperty("SecretsManagerConfiguration", out JsonElement secrets) && secrets.TryGetProperty("Enabled", out JsonElement enabled) && enabled.ValueKind == JsonValueKind.True
            ? $"from Secrets Manager secret {Text(secrets, "SecretARN")} (an ECS task definition's secrets can set it)"
            : "from a secret (the HECToken Firehose shows is deliberately not copied into this configuration)";
        notes.Add($"The HEC token is read from environment variable {variable}: set it {source}. The token needs indexer acknowledgement turned on, as for Firehose.");
        if (splunk.TryGetProperty("S3DestinationDescription", out JsonElement backupBucket))
        {
            MapBackupBucket(backupBucket, pipeline);
        }

        MapProcessing(splunk, pipeline, notes);
    }

    /// <summary><c>SPLUNK_HEC_TOKEN_&lt;PIPELINE&gt;</c>: the pipeline's name in capitals, other characters as '_'.</summary>
    private static string HecTokenVariable(string pipelineName) =>
        "SPLUNK_HEC_TOKEN_" + string.Concat(pipelineName.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_'));
}
