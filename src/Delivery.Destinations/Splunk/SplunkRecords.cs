using System.Text.Json;
using System.Text.Unicode;

namespace Delivery.Destinations.Splunk;

/// <summary>
/// Whether a record can go to the event endpoint, and as how many HEC events, decided before anything is sent: HEC
/// refuses a request whole for one event it cannot read, so a record it would refuse is failed on its own instead.
/// The raw endpoint takes any bytes.
/// </summary>
public static class SplunkRecords
{
    private static readonly JsonReaderOptions Sequence = new() { AllowMultipleValues = true };

    /// <summary>The number of HEC events the record makes (1 or more), or 0 with the reason it cannot be sent.</summary>
    public static (int Events, string? Problem) Check(ReadOnlySpan<byte> data, HecEndpointType type, SplunkEventFormat format)
    {
        if (type == HecEndpointType.Raw)
        {
            return (1, null);
        }

        return format == SplunkEventFormat.HecEvents ? CheckHecEvents(data) : CheckWrappable(data);
    }

    /// <summary>Whether the record is exactly one JSON value (surrounding whitespace allowed), which is then embedded as it is.</summary>
    public static bool IsSingleJsonValue(ReadOnlySpan<byte> data)
    {
        try
        {
            var reader = new Utf8JsonReader(data);
            return reader.Read() && reader.TrySkip() && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    // HEC's event endpoint takes JSON objects one after another; each needs an "event" field that is neither null nor
    // an empty string (HEC's codes 12 and 13).
    private static (int, string?) CheckHecEvents(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data, Sequence);
        int events = 0;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return (0, $"HEC event {events + 1} of the record is not a JSON object: with EventFormat HecEvents each record holds HEC event objects such as {{\"event\": ...}}.");
                }

                if (!HasEvent(ref reader))
                {
                    return (0, $"HEC event {events + 1} of the record has no \"event\" field, or an empty or null one (HEC codes 12 and 13).");
                }

                events++;
            }
        }
        catch (JsonException exception)
        {
            return (0, $"the record is not JSON after its {events} HEC event(s): {exception.Message}");
        }

        return events == 0 ? (0, "the record holds no HEC event: it is empty or only whitespace.") : (events, null);
    }

    // Reads one object from its start to its end, looking at its top-level properties only.
    private static bool HasEvent(ref Utf8JsonReader reader)
    {
        int depth = reader.CurrentDepth;
        bool found = false;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("event"u8))
            {
                reader.Read();
                found = reader.TokenType is not JsonTokenType.Null && !(reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length == 0);
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }

        return found;
    }

    private static (int, string?) CheckWrappable(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0)
        {
            return (0, "the record is empty, and HEC refuses a blank event (code 13).");
        }

        if (IsSingleJsonValue(data))
        {
            ReadOnlySpan<byte> value = data.Trim(" \t\r\n"u8);
            return value.SequenceEqual("null"u8) || value.SequenceEqual("\"\""u8)
                ? (0, "the record is JSON null or an empty string, and HEC refuses a blank event (code 13).")
                : (1, null);
        }

        return Utf8.IsValid(data) ? (1, null) : (0, "the record is neither JSON nor UTF-8 text, so it cannot be an HEC event; send it to the raw endpoint instead.");
    }
}
