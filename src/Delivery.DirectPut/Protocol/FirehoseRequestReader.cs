using System.Text.Json;

namespace Delivery.DirectPut.Protocol;

/// <summary>
/// Reads the JSON bodies of the operations Direct PUT serves with a forward-only <see cref="Utf8JsonReader"/>, decoding
/// each record's base64 straight from the UTF-8 bytes, and checks them against Firehose's limits. Members it does not
/// know are skipped, as the service does; a body that is not JSON, or a member of the wrong JSON type, is a
/// <c>SerializationException</c>; a missing member or a broken limit is an <c>InvalidArgumentException</c> worded the
/// way Firehose's validation words it.
/// </summary>
public static class FirehoseRequestReader
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 16 };

    /// <summary>Reads a PutRecord body: <c>{"DeliveryStreamName": "...", "Record": {"Data": "&lt;base64&gt;"}}</c>.</summary>
    public static PutRecordsCall ReadPutRecord(ReadOnlySpan<byte> body)
    {
        try
        {
            return ReadPutRecordCore(body);
        }
        catch (JsonException ex)
        {
            throw Malformed(ex);
        }
    }

    private static PutRecordsCall ReadPutRecordCore(ReadOnlySpan<byte> body)
    {
        var reader = Start(body);
        string? name = null;
        byte[]? data = null;
        bool hasRecord = false;
        while (NextMember(ref reader) is { } member)
        {
            switch (member)
            {
                case "DeliveryStreamName":
                    name = ReadString(ref reader, member);
                    break;
                case "Record" when reader.TokenType != JsonTokenType.Null:
                    hasRecord = true;
                    data = ReadRecord(ref reader, "record");
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        string stream = FirehoseLimits.CheckName(name);
        if (!hasRecord)
        {
            throw new FirehoseProtocolException(FirehoseError.Missing("record"));
        }

        byte[] record = data ?? throw new FirehoseProtocolException(FirehoseError.Missing("record.data"));
        if (record.Length > FirehoseProtocol.MaxRecordBytes)
        {
            throw new FirehoseProtocolException(FirehoseError.Constraint("record.data", $"must have length less than or equal to {FirehoseProtocol.MaxRecordBytes}", $"it has {FirehoseError.Number(record.Length)} bytes"));
        }

        return new PutRecordsCall(stream, [record], record.Length);
    }

    /// <summary>Reads a PutRecordBatch body: <c>{"DeliveryStreamName": "...", "Records": [{"Data": "&lt;base64&gt;"}, ...]}</c>.</summary>
    public static PutRecordsCall ReadPutRecordBatch(ReadOnlySpan<byte> body)
    {
        try
        {
            return ReadPutRecordBatchCore(body);
        }
        catch (JsonException ex)
        {
            throw Malformed(ex);
        }
    }

    private static PutRecordsCall ReadPutRecordBatchCore(ReadOnlySpan<byte> body)
    {
        var reader = Start(body);
        string? name = null;
        List<byte[]?>? records = null;
        while (NextMember(ref reader) is { } member)
        {
            switch (member)
            {
                case "DeliveryStreamName":
                    name = ReadString(ref reader, member);
                    break;
                case "Records" when reader.TokenType != JsonTokenType.Null:
                    records = ReadRecords(ref reader);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        string stream = FirehoseLimits.CheckName(name);
        if (records is null)
        {
            throw new FirehoseProtocolException(FirehoseError.Missing("records"));
        }

        return new PutRecordsCall(stream, FirehoseLimits.CheckBatch(records, out long bytes), bytes);
    }

    /// <summary>Reads a DescribeDeliveryStream body. Limit and ExclusiveStartDestinationId are accepted; a pipeline has one destination.</summary>
    public static DescribeDeliveryStreamCall ReadDescribeDeliveryStream(ReadOnlySpan<byte> body)
    {
        try
        {
            return ReadDescribeDeliveryStreamCore(body);
        }
        catch (JsonException ex)
        {
            throw Malformed(ex);
        }
    }

    private static DescribeDeliveryStreamCall ReadDescribeDeliveryStreamCore(ReadOnlySpan<byte> body)
    {
        var reader = Start(body);
        string? name = null;
        while (NextMember(ref reader) is { } member)
        {
            switch (member)
            {
                case "DeliveryStreamName":
                    name = ReadString(ref reader, member);
                    break;
                case "Limit":
                    FirehoseLimits.CheckLimit(ReadInt(ref reader, member), "limit");
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return new DescribeDeliveryStreamCall(FirehoseLimits.CheckName(name));
    }

    /// <summary>Reads a ListDeliveryStreams body (every member optional; an empty body is an empty object).</summary>
    public static ListDeliveryStreamsCall ReadListDeliveryStreams(ReadOnlySpan<byte> body)
    {
        try
        {
            return ReadListDeliveryStreamsCore(body);
        }
        catch (JsonException ex)
        {
            throw Malformed(ex);
        }
    }

    private static ListDeliveryStreamsCall ReadListDeliveryStreamsCore(ReadOnlySpan<byte> body)
    {
        var reader = Start(body);
        int limit = FirehoseProtocol.DefaultListLimit;
        string? type = null;
        string? after = null;
        while (NextMember(ref reader) is { } member)
        {
            switch (member)
            {
                case "Limit":
                    limit = FirehoseLimits.CheckLimit(ReadInt(ref reader, member), "limit") ?? limit;
                    break;
                case "DeliveryStreamType":
                    type = ReadString(ref reader, member);
                    if (type is not (null or "DirectPut" or "KinesisStreamAsSource" or "MSKAsSource" or "DatabaseAsSource"))
                    {
                        throw new FirehoseProtocolException(FirehoseError.Constraint("deliveryStreamType", "must satisfy enum value set: [DirectPut, KinesisStreamAsSource, MSKAsSource, DatabaseAsSource]", $"it is '{type}'"));
                    }

                    break;
                case "ExclusiveStartDeliveryStreamName":
                    after = ReadString(ref reader, member);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return new ListDeliveryStreamsCall(limit, type, after);
    }

    private static Utf8JsonReader Start(ReadOnlySpan<byte> body)
    {
        // The SDKs send "{}" for a call without parameters; an empty body means the same.
        var reader = new Utf8JsonReader(body.IsEmpty ? "{}"u8 : body, ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new FirehoseProtocolException(FirehoseError.Serialization("The request body must be a JSON object."));
            }
        }
        catch (JsonException ex)
        {
            throw Malformed(ex);
        }

        return reader;
    }

    /// <summary>Moves to the next member's value and returns its name, or null at the end of the object.</summary>
    private static string? NextMember(ref Utf8JsonReader reader)
    {
        try
        {
            if (!reader.Read() || reader.TokenType == JsonTokenType.EndObject)
            {
                return null;
            }

            string name = reader.GetString()!;
            reader.Read();
            return name;
        }
        catch (JsonException ex)
        {
            throw Malformed(ex);
        }
    }

    private static string? ReadString(ref Utf8JsonReader reader, string member) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw WrongType(member, "a string", reader.TokenType),
    };

    private static int? ReadInt(ref Utf8JsonReader reader, string member) => reader.TokenType switch
    {
        JsonTokenType.Number when reader.TryGetInt32(out int value) => value,
        JsonTokenType.Number => int.MaxValue,
        JsonTokenType.Null => null,
        _ => throw WrongType(member, "a whole number", reader.TokenType),
    };

    private static List<byte[]?> ReadRecords(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw WrongType("Records", "an array", reader.TokenType);
        }

        var records = new List<byte[]?>();
        try
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                records.Add(reader.TokenType == JsonTokenType.Null ? null : ReadRecord(ref reader, $"records.{records.Count + 1}.member"));
            }
        }
        catch (JsonException ex)
        {
            throw Malformed(ex);
        }

        return records;
    }

    /// <summary>Reads <c>{"Data": "&lt;base64&gt;"}</c>; null when Data is missing or null.</summary>
    private static byte[]? ReadRecord(ref Utf8JsonReader reader, string member)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw WrongType(member, "an object", reader.TokenType);
        }

        byte[]? data = null;
        while (NextMember(ref reader) is { } name)
        {
            if (name != "Data" || reader.TokenType == JsonTokenType.Null)
            {
                reader.Skip();
                continue;
            }

            if (reader.TokenType != JsonTokenType.String)
            {
                throw WrongType($"{member}.data", "a base64 string", reader.TokenType);
            }

            try
            {
                data = reader.GetBytesFromBase64();
            }
            catch (FormatException)
            {
                throw new FirehoseProtocolException(FirehoseError.Serialization($"Value at '{member}.data' is not valid base64."));
            }
        }

        return data;
    }

    private static FirehoseProtocolException WrongType(string member, string expected, JsonTokenType found) =>
        new(FirehoseError.Serialization($"Value at '{member}' must be {expected}, not {found}."));

    private static FirehoseProtocolException Malformed(JsonException ex) =>
        new(FirehoseError.Serialization($"The request body is not valid JSON: {ex.Message}"));
}
