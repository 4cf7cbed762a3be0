using System.Globalization;
using System.Text.Json;

namespace Delivery.Worker.Redrive;

/// <summary>One failed-record line of a backup object, as <c>redrive</c> needs it: where it is, why it failed, and the
/// record's original bytes with the arrival time and partition key it came in with.</summary>
/// <param name="LineNumber">1-based line number in the (decompressed) object; with the object key it is the record's redrive id.</param>
/// <param name="ErrorCode">The error the record failed with (<c>errorCode</c>), or "" when the line has none.</param>
/// <param name="ArrivalTimestamp">When the record first arrived; redriven objects are named and foldered by it, as the originals were.</param>
/// <param name="PartitionKey">The producer's partition key, or "" when the line has no Kinesis metadata.</param>
/// <param name="RawData">The record's original bytes (<c>rawData</c>).</param>
internal sealed record BackupLine(int LineNumber, string ErrorCode, DateTimeOffset ArrivalTimestamp, string PartitionKey, byte[] RawData)
{
    /// <summary>
    /// Reads one line written by <see cref="Destinations.Backup.FailedRecordFormatter"/> (or by Firehose, whose lines
    /// have the same fields). Throws <see cref="RedriveInputException"/> naming the object and line when the line is not
    /// a failed record: not JSON, no <c>rawData</c>, <c>rawData</c> not base64, or no arrival time.
    /// </summary>
    public static BackupLine Parse(string objectUri, int lineNumber, string line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            throw Bad(objectUri, lineNumber, $"not a JSON object ({ex.Message})");
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Bad(objectUri, lineNumber, $"a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not a failed-record object");
            }

            if (!root.TryGetProperty("rawData", out JsonElement raw) || raw.ValueKind != JsonValueKind.String)
            {
                throw Bad(objectUri, lineNumber, "no rawData string: not a failed-record line");
            }

            if (!raw.TryGetBytesFromBase64(out byte[]? data))
            {
                throw Bad(objectUri, lineNumber, "rawData is not base64");
            }

            root.TryGetProperty("kinesisRecordMetadata", out JsonElement kinesis);
            long? arrival = Milliseconds(root, "arrivalTimestamp") ?? Milliseconds(kinesis, "approximateArrivalTimestamp") ?? Milliseconds(root, "approximateArrivalTimestamp");
            if (arrival is null)
            {
                throw Bad(objectUri, lineNumber, "no arrivalTimestamp (milliseconds since the epoch)");
            }

            return new BackupLine(
                lineNumber,
                Text(root, "errorCode") ?? "",
                DateTimeOffset.FromUnixTimeMilliseconds(arrival.Value),
                Text(kinesis, "partitionKey") ?? "",
                data);
        }
    }

    /// <summary>The record as the pipeline takes it: its position in the "shard" of its backup object is its line number.</summary>
    public SourceRecord ToSourceRecord() => new(RedriveIds.PositionOf(LineNumber), PartitionKey, ArrivalTimestamp, RawData);

    private static long? Milliseconds(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long ms)
            ? ms
            : null;

    private static string? Text(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static RedriveInputException Bad(string objectUri, int lineNumber, string reason) =>
        new($"{objectUri} line {lineNumber.ToString(CultureInfo.InvariantCulture)}: {reason}.");
}

/// <summary>A backup object that cannot be redriven as it is; the message names the object (and line).</summary>
internal sealed class RedriveInputException(string message) : Exception(message);
