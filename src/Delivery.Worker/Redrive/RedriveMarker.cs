using System.Text.Json;
using System.Text.Json.Serialization;

namespace Delivery.Worker.Redrive;

/// <summary>
/// The marker of one redriven backup object (<see cref="RedriveIds.MarkerKey"/>): written only after every record of the
/// object was delivered or written back to the backup bucket, so its presence alone means "done"; its body says how it
/// went, for the counts of later runs and for a person.
/// </summary>
internal sealed record RedriveMarker(
    [property: JsonPropertyName("backupKey")] string BackupKey,
    [property: JsonPropertyName("errorOutputType")] string ErrorOutputType,
    [property: JsonPropertyName("batchId")] string BatchId,
    [property: JsonPropertyName("records")] int Records,
    [property: JsonPropertyName("delivered")] int Delivered,
    [property: JsonPropertyName("failedAgain")] int FailedAgain,
    [property: JsonPropertyName("failedAgainKeys")] IReadOnlyList<string> FailedAgainKeys,
    [property: JsonPropertyName("redrivenAt")] DateTimeOffset RedrivenAt)
{
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this);

    /// <summary>Reads a marker body; throws <see cref="RedriveInputException"/> naming the marker when it is not one.</summary>
    public static RedriveMarker Parse(string markerUri, ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize<RedriveMarker>(json) ?? throw new JsonException("null");
        }
        catch (JsonException ex)
        {
            throw new RedriveInputException($"{markerUri}: not a redrive marker ({ex.Message}); delete it to redrive its object again.");
        }
    }
}
