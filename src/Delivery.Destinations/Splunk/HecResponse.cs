using System.Globalization;
using System.Text.Json;
using Delivery.Destinations.Retrying;

namespace Delivery.Destinations.Splunk;

/// <summary>
/// What HEC answered one request: the HTTP status and, when the body is HEC's JSON
/// (<c>{"text":"Success","code":0,"ackId":7}</c>), its status code, text, acknowledgement id and, for a batch it refused,
/// the number of the first event it could not read (<c>invalid-event-number</c>).
/// </summary>
internal readonly record struct HecAnswer(int Status, int? Code, string? Text, long? AckId, int? InvalidEventNumber)
{
    /// <summary>HEC took the request: a 2xx with status code 0.</summary>
    public bool Accepted => Status is >= 200 and < 300 && Code == 0;

    /// <summary>"status 403: Invalid token (HEC code 4)", for logs and failed records; the text is cut to 512 characters.</summary>
    public string Describe()
    {
        string text = Text is null ? "no HEC status in the body" : Text.Length <= 512 ? Text : Text[..512] + "...";
        return Code is { } code ? $"status {Status}: {text} (HEC code {code})" : $"status {Status}: {text}";
    }
}

/// <summary>
/// HEC's answers read, and judged the way Firehose's Splunk error codes name them: what is delivered, what is worth
/// sending again, and what retrying cannot fix (a refused or disabled token, acknowledgement turned off, data HEC
/// cannot read), whose records go to the backup bucket at once. HEC's status codes are those of Splunk's "Troubleshoot
/// HTTP Event Collector" table (0 Success ... 14 ACK is disabled ... 20 HEC is unhealthy).
/// </summary>
internal static class HecResponse
{
    /// <summary>Reads an answer; a body that is not HEC's JSON leaves the HEC fields empty.</summary>
    public static HecAnswer Parse(int status, ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new HecAnswer(status, null, null, null, null);
            }

            return new HecAnswer(
                status,
                Integer(root, "code") is { } code ? (int)code : null,
                root.TryGetProperty("text", out JsonElement text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null,
                Integer(root, "ackId"),
                Integer(root, "invalid-event-number") is { } invalid ? (int)invalid : null);
        }
        catch (JsonException)
        {
            return new HecAnswer(status, null, null, null, null);
        }
    }

    /// <summary>
    /// The acknowledgement of <paramref name="ackId"/> in an answer of the ack endpoint
    /// (<c>{"acks":{"7":true}}</c>): true once indexed, false while not, null when the answer does not say.
    /// </summary>
    public static bool? AckOf(ReadOnlySpan<byte> body, long ackId)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("acks", out JsonElement acks) && acks.ValueKind == JsonValueKind.Object
                && acks.TryGetProperty(ackId.ToString(CultureInfo.InvariantCulture), out JsonElement status)
                && status.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? status.GetBoolean()
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>What a refusal means: its Firehose-style error code, and whether sending again can help.</summary>
    public static AttemptOutcome Classify(HecAnswer answer)
    {
        string message = "HEC answered " + answer.Describe();
        return answer.Code switch
        {
            1 => AttemptOutcome.Permanent("Splunk.DisabledToken", message + ": the HEC token is disabled; enable it in Splunk."),
            2 or 3 or 4 or 16 => AttemptOutcome.Permanent("Splunk.InvalidToken", message + ": the HEC token is refused; check the token in HecTokenVariable."),
            5 or 6 or 12 or 13 or 15 => AttemptOutcome.Permanent("Splunk.InvalidDataFormat", message),
            7 => AttemptOutcome.Permanent("Splunk.InvalidIndex", message + ": the token may not write to the index; check the token's allowed indexes."),
            14 => AttemptOutcome.Permanent("Splunk.DisabledAck", message + ": turn on indexer acknowledgement for the token."),
            10 or 11 => AttemptOutcome.Retryable("Splunk.InvalidChannel", message + ": the request channel did not reach HEC; a proxy in between may drop the X-Splunk-Request-Channel header."),
            9 or 18 or 19 or 20 => AttemptOutcome.Retryable("Splunk.ServerBusy", message),
            8 => AttemptOutcome.Retryable("Splunk.ServerError", message),
            _ => ByStatus(answer.Status, message),
        };
    }

    private static AttemptOutcome ByStatus(int status, string message) => status switch
    {
        401 or 403 => AttemptOutcome.Permanent("Splunk.InvalidToken", message),
        413 => AttemptOutcome.Permanent("Splunk.RequestTooLarge", message + ": the request exceeds HEC's max_content_length."),
        404 => AttemptOutcome.Retryable("Splunk.InvalidEndpoint", message + ": no collector at this URL; check HecEndpoint."),
        429 or 503 => AttemptOutcome.Retryable("Splunk.ServerBusy", message),
        >= 400 and < 500 => AttemptOutcome.Permanent("Splunk.RequestRefused", message),
        _ => AttemptOutcome.Retryable("Splunk.ServerError", message),
    };

    private static long? Integer(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long number) ? number : null;
}
