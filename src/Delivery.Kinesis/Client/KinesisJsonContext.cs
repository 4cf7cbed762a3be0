using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Delivery.Kinesis.Client;

// Member names of the model types are the wire names of the Kinesis JSON 1.1 protocol, so no naming policy applies.
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(Base64MemoryStreamConverter), typeof(EpochSecondsDateTimeConverter)])]
[JsonSerializable(typeof(DescribeStreamSummaryRequest))]
[JsonSerializable(typeof(DescribeStreamSummaryResponse))]
[JsonSerializable(typeof(ListShardsRequest))]
[JsonSerializable(typeof(ListShardsResponse))]
[JsonSerializable(typeof(GetShardIteratorRequest))]
[JsonSerializable(typeof(GetShardIteratorResponse))]
[JsonSerializable(typeof(GetRecordsRequest))]
[JsonSerializable(typeof(GetRecordsResponse))]
[JsonSerializable(typeof(PutRecordsRequest))]
[JsonSerializable(typeof(PutRecordsResponse))]
[JsonSerializable(typeof(CreateStreamRequest))]
[JsonSerializable(typeof(CreateStreamResponse))]
[JsonSerializable(typeof(SplitShardRequest))]
[JsonSerializable(typeof(SplitShardResponse))]
[JsonSerializable(typeof(MergeShardsRequest))]
[JsonSerializable(typeof(MergeShardsResponse))]
internal sealed partial class KinesisJsonContext : JsonSerializerContext;

/// <summary>Record data travels as a base64 JSON string; decode straight from the UTF-8 token, without a string.</summary>
internal sealed class Base64MemoryStreamConverter : JsonConverter<MemoryStream>
{
    public override MemoryStream Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"Expected record data as a base64 string, found {reader.TokenType}.");
        }

        ReadOnlySpan<byte> base64 = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
        if (reader.ValueIsEscaped)
        {
            // A serializer may escape '/' or '+'; unescape before decoding.
            byte[] unescaped = new byte[base64.Length];
            base64 = unescaped.AsSpan(0, reader.CopyString(unescaped));
        }

        byte[] data = new byte[Base64.GetMaxDecodedFromUtf8Length(base64.Length)];
        OperationStatus status = Base64.DecodeFromUtf8(base64, data, out _, out int written);
        if (status != OperationStatus.Done)
        {
            throw new JsonException($"Record data is not valid base64 ({status}).");
        }

        return new MemoryStream(data, 0, written, writable: false, publiclyVisible: true);
    }

    public override void Write(Utf8JsonWriter writer, MemoryStream value, JsonSerializerOptions options)
    {
        // The whole stream is sent regardless of Position, as the SDK's marshaller does.
        if (value.TryGetBuffer(out ArraySegment<byte> buffer))
        {
            writer.WriteBase64StringValue(buffer);
        }
        else
        {
            writer.WriteBase64StringValue(value.ToArray());
        }
    }
}

/// <summary>Kinesis timestamps are epoch seconds as a JSON number with a fraction (milliseconds).</summary>
internal sealed class EpochSecondsDateTimeConverter : JsonConverter<DateTime>
{
    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDecimal(out decimal seconds))
        {
            throw new JsonException($"Expected a timestamp as epoch seconds, found {reader.TokenType}.");
        }

        return DateTime.UnixEpoch.AddTicks((long)decimal.Round(seconds * TimeSpan.TicksPerSecond));
    }

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
    {
        // Unspecified is taken as UTC: positions and checkpoints are UTC throughout Delivery.
        DateTime utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
        long milliseconds = (utc.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond;
        writer.WriteNumberValue(milliseconds / 1000m);
    }
}
