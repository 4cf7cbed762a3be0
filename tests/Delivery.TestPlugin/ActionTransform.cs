using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Delivery.Transforms;

namespace Delivery.TestPlugin;

/// <summary>
/// Does to each JSON record what its "action" field says: "rewrite" adds "plugin": &lt;marker setting&gt;; "drop" drops
/// it; "fail" fails it; "split" makes one record per element of its "parts" array; anything else passes it unchanged.
/// Every record it keeps gets the partition key "tier" (its "tier" field, or "none"). A record that is not JSON fails.
/// </summary>
public sealed class ActionTransform : IRecordTransform
{
    private readonly string _marker;

    public ActionTransform(IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _marker = settings.TryGetValue("marker", out string? marker) ? marker : throw new ArgumentException("The 'marker' setting is required.", nameof(settings));
    }

    public ValueTask<IReadOnlyList<TransformedRecord>> TransformAsync(TransformInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        var results = new List<TransformedRecord>(invocation.Records.Count);
        foreach (TransformRecord record in invocation.Records)
        {
            results.Add(Transform(record));
        }

        return ValueTask.FromResult<IReadOnlyList<TransformedRecord>>(results);
    }

    private TransformedRecord Transform(TransformRecord record)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(record.Data.Span) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException ex)
        {
            return TransformedRecord.ProcessingFailed(record.RecordId, "not a JSON object: " + ex.Message);
        }

        var keys = new Dictionary<string, string> { ["tier"] = json["tier"]?.GetValue<string>() ?? "none" };
        switch (json["action"]?.GetValue<string>())
        {
            case "rewrite":
                json["plugin"] = _marker;
                return TransformedRecord.Ok(record.RecordId, Encoding.UTF8.GetBytes(json.ToJsonString()), keys);
            case "drop":
                return TransformedRecord.Dropped(record.RecordId);
            case "fail":
                return TransformedRecord.ProcessingFailed(record.RecordId, "the record asked to fail");
            case "split":
                JsonArray parts = json["parts"]?.AsArray() ?? [];
                return TransformedRecord.Split(record.RecordId, parts.Select(part => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(part!.ToJsonString())), keys);
            default:
                return TransformedRecord.Ok(record.RecordId, record.Data, keys);
        }
    }
}
