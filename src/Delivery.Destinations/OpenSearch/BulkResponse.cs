using System.Text.Json;

namespace Delivery.Destinations.OpenSearch;

/// <summary>What the cluster said of one document: its <c>status</c> and, when it failed, its <c>error</c>'s type and reason.</summary>
internal readonly record struct BulkItemResult(int Status, string? ErrorType, string? ErrorReason)
{
    public bool Succeeded => Status is >= 200 and < 300 && ErrorType is null && ErrorReason is null;
}

/// <summary>
/// Reads a <c>_bulk</c> response: <c>{"took":..,"errors":..,"items":[{"index":{"_index":..,"_id":..,"status":..,
/// "error":{"type":..,"reason":..}}},...]}</c>, one item per action, in the order sent. A response that does not
/// answer every document, or answers one without a status, is not trusted at all: nothing in it counts as indexed.
/// </summary>
internal static class BulkResponse
{
    private const int MaxQuotedChars = 512;

    /// <summary>The items of <paramref name="body"/>, or null with <paramref name="problem"/> saying why it cannot be read.</summary>
    public static BulkItemResult[]? Parse(ReadOnlySpan<byte> body, int expectedItems, out string problem)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
            BulkItemResult[]? items = null;
            bool? errors = null;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "the body is not a JSON object.";
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("items"u8))
                {
                    reader.Read();
                    items = ReadItems(ref reader, expectedItems, out problem);
                    if (items is null)
                    {
                        return null;
                    }
                }
                else if (reader.ValueTextEquals("errors"u8))
                {
                    reader.Read();
                    errors = reader.TokenType is JsonTokenType.True or JsonTokenType.False ? reader.GetBoolean() : null;
                    reader.Skip();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (items is null || errors is null)
            {
                problem = "the body has no 'items' array or no 'errors' flag: it is not a bulk response.";
                return null;
            }

            if (errors == false && items.Any(item => !item.Succeeded))
            {
                problem = "'errors' is false, yet an item failed.";
                return null;
            }

            problem = "";
            return items;
        }
        catch (JsonException exception)
        {
            problem = $"the body is not valid JSON ({exception.Message})";
            return null;
        }
    }

    /// <summary>
    /// The error of a whole refused request, from OpenSearch's <c>{"error":{"type":..,"reason":..},"status":..}</c> or
    /// Amazon OpenSearch Service's <c>{"message":..}</c>; nulls when the body holds neither.
    /// </summary>
    public static (string? Type, string? Reason) ParseError(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (null, null);
            }

            string? type = null;
            string? reason = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isError = reader.ValueTextEquals("error"u8);
                bool isMessage = reader.ValueTextEquals("message"u8) || reader.ValueTextEquals("Message"u8);
                reader.Read();
                if (isError)
                {
                    (type, reason) = ReadError(ref reader);
                }
                else if (isMessage && reader.TokenType == JsonTokenType.String)
                {
                    reason ??= reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }

            return (type, reason);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    /// <summary><paramref name="text"/> cut to what an error message quotes.</summary>
    public static string Quote(string text) => text.Length <= MaxQuotedChars ? text : text[..MaxQuotedChars] + "...";

    private static BulkItemResult[]? ReadItems(ref Utf8JsonReader reader, int expectedItems, out string problem)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            problem = "'items' is not an array.";
            return null;
        }

        var items = new List<BulkItemResult>(expectedItems);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            // Each item is {"<action>": {...}}: one property, named after the action.
            if (reader.TokenType != JsonTokenType.StartObject || !reader.Read() || reader.TokenType != JsonTokenType.PropertyName || !reader.Read()
                || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = $"item {items.Count} is not an object holding one action's result.";
                return null;
            }

            BulkItemResult? item = ReadItem(ref reader);
            if (item is null)
            {
                problem = $"item {items.Count} has no integer 'status'.";
                return null;
            }

            items.Add(item.Value);
            if (!reader.Read() || reader.TokenType != JsonTokenType.EndObject)
            {
                problem = $"item {items.Count - 1} holds more than one action.";
                return null;
            }
        }

        if (items.Count != expectedItems)
        {
            problem = $"it answers {items.Count} documents of the {expectedItems} sent.";
            return null;
        }

        problem = "";
        return [.. items];
    }

    // Reads {"_index":..,"status":..,"error":..} up to its end.
    private static BulkItemResult? ReadItem(ref Utf8JsonReader reader)
    {
        int? status = null;
        string? type = null;
        string? reason = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isStatus = reader.ValueTextEquals("status"u8);
            bool isError = reader.ValueTextEquals("error"u8);
            reader.Read();
            if (isStatus && reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int value))
            {
                status = value;
            }
            else if (isError)
            {
                (type, reason) = ReadError(ref reader);
                reason ??= type ?? "an error without a reason";
            }
            else
            {
                reader.Skip();
            }
        }

        return status is { } known ? new BulkItemResult(known, type, reason) : null;
    }

    // {"type":..,"reason":..,"caused_by":{"type":..,"reason":..}}, or a bare string (Elasticsearch before 2.0).
    private static (string? Type, string? Reason) ReadError(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return (null, reader.GetString());
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return (null, null);
        }

        string? type = null;
        string? reason = null;
        string? cause = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isType = reader.ValueTextEquals("type"u8);
            bool isReason = reader.ValueTextEquals("reason"u8);
            bool isCause = reader.ValueTextEquals("caused_by"u8);
            reader.Read();
            if (isType && reader.TokenType == JsonTokenType.String)
            {
                type = reader.GetString();
            }
            else if (isReason && reader.TokenType == JsonTokenType.String)
            {
                reason = reader.GetString();
            }
            else if (isCause)
            {
                (string? causeType, string? causeReason) = ReadError(ref reader);
                cause = causeType is null ? causeReason : $"{causeType}: {causeReason}";
            }
            else
            {
                reader.Skip();
            }
        }

        return (type, cause is null ? reason : $"{reason} (caused by {cause})");
    }
}
