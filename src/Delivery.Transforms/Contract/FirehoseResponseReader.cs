using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using Delivery.Transforms.Processing;

namespace Delivery.Transforms.Contract;

/// <summary>
/// Reads a transform's JSON response (<c>{"records":[{"recordId","result","data","metadata":{"partitionKeys"}}]}</c>) in
/// one forward pass with <see cref="Utf8JsonReader"/>, decoding base64 straight from the UTF-8 bytes into one buffer for
/// the whole response. A response that is not of that shape throws <see cref="TransformInvocationException"/>
/// (<see cref="TransformErrorCodes.JsonProcessingException"/>); a record that is malformed on its own becomes an invalid
/// <see cref="TransformReply"/>, so only that record fails.
/// </summary>
public static class FirehoseResponseReader
{
    public static List<TransformReply> Read(ReadOnlySpan<byte> json)
    {
        try
        {
            return ReadRecords(json);
        }
        catch (JsonException ex)
        {
            throw new TransformInvocationException(
                TransformErrorCodes.JsonProcessingException,
                $"The transform's response is not valid JSON ({ex.Message.TrimEnd('.')}).",
                ex);
        }
    }

    private static List<TransformReply> ReadRecords(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw Shape("the response is not a JSON object");
        }

        // Decoded data is never longer than three quarters of the base64 that holds it.
        var decoded = new DecodeBuffer(new byte[(json.Length / 4 * 3) + 3]);
        List<TransformReply>? replies = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!JsonText.NameIs(ref reader, "records"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            reader.Read();
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw Shape("'records' is not an array");
            }

            replies = [];
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw Shape($"element {replies.Count} of 'records' is not an object");
                }

                if (ReadRecord(ref reader, decoded) is { } reply)
                {
                    replies.Add(reply);
                }
            }
        }

        // Anything after the object is as wrong as a broken object; reading past the end finds it.
        reader.Read();
        return replies ?? throw Shape("the response has no 'records' array");
    }

    // A record without a recordId cannot be matched to an input; it is left out, and the input it was meant for fails
    // as missing.
    private static TransformReply? ReadRecord(ref Utf8JsonReader reader, DecodeBuffer decoded)
    {
        string? recordId = null;
        string? result = null;
        string resultProblem = "missing";
        ReadOnlyMemory<byte>? data = null;
        string? dataProblem = null;
        IReadOnlyDictionary<string, string>? keys = null;
        string? keysProblem = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (JsonText.NameIs(ref reader, "recordId"u8))
            {
                // An id that is not valid Unicode cannot be one Delivery sent: like a missing id, it matches no input.
                reader.Read();
                recordId = reader.TokenType == JsonTokenType.String && JsonText.TryGetString(ref reader, out string? id) ? id : null;
                reader.Skip();
            }
            else if (JsonText.NameIs(ref reader, "result"u8))
            {
                reader.Read();
                result = null;
                resultProblem = reader.TokenType != JsonTokenType.String ? "not a string"
                    : JsonText.TryGetString(ref reader, out result) ? "missing" : "not valid Unicode";
                reader.Skip();
            }
            else if (JsonText.NameIs(ref reader, "data"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    data = decoded.Decode(ref reader, out dataProblem);
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    dataProblem = $"'data' is a {reader.TokenType}, not a base64 string";
                    reader.Skip();
                }
            }
            else if (JsonText.NameIs(ref reader, "metadata"u8))
            {
                reader.Read();
                keys = ReadMetadata(ref reader, out keysProblem);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (recordId is null)
        {
            return null;
        }

        TransformResult? parsed = result switch
        {
            "Ok" => TransformResult.Ok,
            "Dropped" => TransformResult.Dropped,
            "ProcessingFailed" => TransformResult.ProcessingFailed,
            _ => null,
        };
        if (parsed is null)
        {
            string found = result is null ? resultProblem : $"'{result}'";
            return TransformReply.Invalid(recordId, TransformErrorCodes.InvalidResult, $"The result of record {recordId} is {found}; it must be Ok, Dropped or ProcessingFailed.");
        }

        if (parsed != TransformResult.Ok)
        {
            return new TransformReply(recordId, parsed.Value, [], null);
        }

        if (dataProblem is not null || data is null)
        {
            return TransformReply.Invalid(recordId, TransformErrorCodes.InvalidData, $"The data of Ok record {recordId} {dataProblem ?? "is missing"}.");
        }

        if (keysProblem is not null)
        {
            return TransformReply.Invalid(recordId, TransformErrorCodes.InvalidPartitionKeys, $"The partition keys of record {recordId}: {keysProblem}.");
        }

        return new TransformReply(recordId, TransformResult.Ok, [data.Value], keys);
    }

    private static Dictionary<string, string>? ReadMetadata(ref Utf8JsonReader reader, out string? problem)
    {
        problem = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        Dictionary<string, string>? keys = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!JsonText.NameIs(ref reader, "partitionKeys"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "'partitionKeys' is not an object";
                reader.Skip();
                continue;
            }

            keys = new Dictionary<string, string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!JsonText.TryGetString(ref reader, out string? name))
                {
                    problem ??= "a key name is not valid Unicode";
                    reader.Read();
                    reader.Skip();
                    continue;
                }

                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    problem ??= $"the value of '{name}' is a {reader.TokenType}, not a string";
                    reader.Skip();
                }
                else if (JsonText.TryGetString(ref reader, out string? value))
                {
                    keys[name] = value;
                }
                else
                {
                    problem ??= $"the value of '{name}' is not valid Unicode";
                }
            }
        }

        return keys;
    }

    private static TransformInvocationException Shape(string problem) =>
        new(TransformErrorCodes.JsonProcessingException, $"The transform's response is not a Firehose transform response: {problem}.");

    /// <summary>One array that every record's decoded data is a slice of: one allocation per response.</summary>
    private sealed class DecodeBuffer(byte[] buffer)
    {
        private int _used;

        public ReadOnlyMemory<byte>? Decode(ref Utf8JsonReader reader, out string? problem)
        {
            ReadOnlySpan<byte> base64 = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
            byte[]? unescaped = null;
            try
            {
                if (reader.ValueIsEscaped)
                {
                    // A JSON encoder may write '/' as "\/" or '+' as "\u002B"; base64 is decoded from the unescaped text.
                    unescaped = ArrayPool<byte>.Shared.Rent(base64.Length);
                    if (!TryUnescape(ref reader, unescaped, out int length))
                    {
                        problem = "is not valid base64";
                        return null;
                    }

                    base64 = unescaped.AsSpan(0, length);
                }

                Span<byte> target = buffer.AsSpan(_used);
                OperationStatus status = Base64.DecodeFromUtf8(base64, target, out _, out int written);
                if (status != OperationStatus.Done)
                {
                    problem = "is not valid base64";
                    return null;
                }

                ReadOnlyMemory<byte> data = buffer.AsMemory(_used, written);
                _used += written;
                problem = null;
                return data;
            }
            finally
            {
                if (unescaped is not null)
                {
                    ArrayPool<byte>.Shared.Return(unescaped);
                }
            }
        }

        // An escape of an unpaired surrogate has no UTF-8 form, so it cannot be base64 either.
        private static bool TryUnescape(ref Utf8JsonReader reader, byte[] target, out int length)
        {
            try
            {
                length = reader.CopyString(target);
                return true;
            }
            catch (InvalidOperationException)
            {
                length = 0;
                return false;
            }
        }
    }
}
