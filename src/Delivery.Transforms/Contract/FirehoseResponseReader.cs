using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Delivery.Transforms.Processing;

namespace Delivery.Transforms.Contract;

/// <summary>
/// Reads a transform's JSON response (<c>{"records":[{"recordId","result","data","metadata":{"partitionKeys"}}]}</c>) in
/// one forward pass with <see cref="Utf8JsonReader"/>, decoding base64 straight from the UTF-8 bytes. A response that is
/// not of that shape throws <see cref="TransformInvocationException"/> (<see cref="TransformErrorCodes.JsonProcessingException"/>);
/// a record that is malformed on its own becomes an invalid <see cref="TransformReply"/>, so only that record fails.
/// </summary>
/// <remarks>
/// Nothing is allocated per record that reads well: recordIds and results are compared as bytes, the results live in a
/// pooled <see cref="TransformReplies"/>, all decoded data ends in one array of exactly its size (decoded first into a
/// pooled buffer, then copied), and partition keys given as the same JSON text share one dictionary, built the first
/// time that text is seen in the response (records of one batch mostly go to a few partitions). Strings are made only
/// for messages about records that fail. A strict scanner of its own reads the responses transforms usually send
/// first (see <c>FirehoseResponseReader.Fast.cs</c>); whatever it does not take is read again by the reader path.
/// </remarks>
public static partial class FirehoseResponseReader
{
    /// <summary>Reads <paramref name="json"/>; the caller disposes the replies once it has applied them.</summary>
    public static TransformReplies Read(ReadOnlySpan<byte> json) => Read(json, fastPath: true);

    /// <param name="json">The response body.</param>
    /// <param name="fastPath">Try the strict scanner first (tests turn it off to compare the two).</param>
    internal static TransformReplies Read(ReadOnlySpan<byte> json, bool fastPath)
    {
        // About 200 bytes of JSON a result at least: room for all of them in one rented array.
        var replies = new TransformReplies((json.Length / 128) + 1);
        try
        {
            // Decoded data is never longer than three quarters of the base64 that holds it.
            using var decoded = new DecodeBuffer((json.Length / 4 * 3) + 3);
            if (!fastPath || !TryReadFast(json, replies, decoded))
            {
                replies.Clear();
                decoded.Reset();
                ReadRecords(json, replies, decoded);
            }

            decoded.MoveInto(replies);
            return replies;
        }
        catch (JsonException ex)
        {
            replies.Dispose();
            throw new TransformInvocationException(
                TransformErrorCodes.JsonProcessingException,
                $"The transform's response is not valid JSON ({ex.Message.TrimEnd('.')}).",
                ex);
        }
        catch
        {
            replies.Dispose();
            throw;
        }
    }

    private static void ReadRecords(ReadOnlySpan<byte> json, TransformReplies replies, DecodeBuffer decoded)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw Shape("the response is not a JSON object");
        }

        var keys = new KeysCache();
        bool sawRecords = false;
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

            // A second 'records' replaces the first, as a JSON object's last key wins.
            sawRecords = true;
            replies.Clear();
            int element = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw Shape($"element {element} of 'records' is not an object");
                }

                if (ReadRecord(ref reader, json, decoded, keys, out TransformReply reply))
                {
                    replies.Add(reply);
                }

                element++;
            }
        }

        // Anything after the object is as wrong as a broken object; reading past the end finds it.
        reader.Read();
        if (!sawRecords)
        {
            throw Shape("the response has no 'records' array");
        }
    }

    // A record without a recordId cannot be matched to an input; it is left out, and the input it was meant for fails
    // as missing.
    private static bool ReadRecord(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, DecodeBuffer decoded, KeysCache keysCache, out TransformReply reply)
    {
        reply = default;
        var id = default(RecordId);
        TransformResult? result = null;
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
                id = RecordId.Read(ref reader, json);
                reader.Skip();
            }
            else if (JsonText.NameIs(ref reader, "result"u8))
            {
                reader.Read();
                (result, resultProblem) = ReadResult(ref reader);
                reader.Skip();
            }
            else if (JsonText.NameIs(ref reader, "data"u8))
            {
                reader.Read();
                data = null;
                dataProblem = null;
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
                keys = ReadMetadata(ref reader, json, keysCache, out keysProblem);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (!id.Present)
        {
            return false;
        }

        if (result is null)
        {
            reply = TransformReply.Invalid(id.Index, TransformErrorCodes.InvalidResult, $"The result of record {id.Text(json)} is {resultProblem}; it must be Ok, Dropped or ProcessingFailed.");
        }
        else if (result != TransformResult.Ok)
        {
            reply = new TransformReply(id.Index, result.Value, default, null);
        }
        else if (dataProblem is not null || data is null)
        {
            reply = TransformReply.Invalid(id.Index, TransformErrorCodes.InvalidData, $"The data of Ok record {id.Text(json)} {dataProblem ?? "is missing"}.");
        }
        else if (keysProblem is not null)
        {
            reply = TransformReply.Invalid(id.Index, TransformErrorCodes.InvalidPartitionKeys, $"The partition keys of record {id.Text(json)}: {keysProblem}.");
        }
        else
        {
            reply = new TransformReply(id.Index, TransformResult.Ok, data.Value, keys);
        }

        return true;
    }

    /// <summary>The result the string token holds, compared as bytes; or null and what is wrong with it.</summary>
    private static (TransformResult? Result, string Problem) ReadResult(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return (null, "not a string");
        }

        if (JsonText.NameIs(ref reader, "Ok"u8))
        {
            return (TransformResult.Ok, "");
        }

        if (JsonText.NameIs(ref reader, "Dropped"u8))
        {
            return (TransformResult.Dropped, "");
        }

        if (JsonText.NameIs(ref reader, "ProcessingFailed"u8))
        {
            return (TransformResult.ProcessingFailed, "");
        }

        return (null, JsonText.TryGetString(ref reader, out string? text) ? $"'{text}'" : "not valid Unicode");
    }

    private static IReadOnlyDictionary<string, string>? ReadMetadata(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, KeysCache cache, out string? problem)
    {
        problem = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        IReadOnlyDictionary<string, string>? keys = null;
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

            // The same text gives the same keys: look it up before reading it.
            int start = (int)reader.TokenStartIndex;
            Utf8JsonReader end = reader;
            end.Skip();
            ReadOnlySpan<byte> text = json[start..(int)end.BytesConsumed];
            if (cache.TryGet(text, out IReadOnlyDictionary<string, string>? known))
            {
                reader = end;
                keys = known;
                continue;
            }

            Dictionary<string, string> read = ReadPartitionKeys(ref reader, ref problem);
            if (problem is null)
            {
                cache.Add(text, read);
            }

            keys = read;
        }

        return keys;
    }

    private static Dictionary<string, string> ReadPartitionKeys(ref Utf8JsonReader reader, ref string? problem)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
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

        return keys;
    }

    private static TransformInvocationException Shape(string problem) =>
        new(TransformErrorCodes.JsonProcessingException, $"The transform's response is not a Firehose transform response: {problem}.");

    /// <summary>A result's recordId: where it is in the response (its text is made only for messages) and the index it names.</summary>
    private readonly record struct RecordId(bool Present, int Index, int Start, int Length, string? Unescaped)
    {
        public static RecordId Read(ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                return default;
            }

            if (!reader.ValueIsEscaped)
            {
                ReadOnlySpan<byte> raw = reader.ValueSpan;
                return System.Text.Unicode.Utf8.IsValid(raw)
                    ? new RecordId(true, TransformReply.ParseRecordId(raw), (int)reader.TokenStartIndex + 1, raw.Length, null)
                    : default;
            }

            return JsonText.TryGetString(ref reader, out string? text) ? new RecordId(true, TransformReply.ParseRecordId(text), 0, 0, text) : default;
        }

        public string Text(ReadOnlySpan<byte> json) => Unescaped ?? Encoding.UTF8.GetString(json.Slice(Start, Length));
    }
}
