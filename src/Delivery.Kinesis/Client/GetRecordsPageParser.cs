using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Delivery.Kinesis.Aggregation;

namespace Delivery.Kinesis.Client;

/// <summary>
/// Reads a GetRecords answer (Kinesis JSON 1.1) into a <see cref="RecordPage"/>: each record's base64 data is decoded
/// straight into the page, its sequence number and partition key are copied in as bytes, and KPL aggregates are split
/// in place. Nothing is allocated per record.
/// </summary>
internal static class GetRecordsPageParser
{
    // A GetRecords answer spends at least this many bytes of JSON on a record besides its data: it bounds how many
    // records a body can hold, for sizing the page's record table without growing it.
    private const int MinimumRecordJson = 96;

    public static RecordPageResponse Parse(ReadOnlySpan<byte> body, string shardId)
    {
        // Decoded base64 takes three quarters of its text; sequence numbers and keys take what they took, and the JSON
        // around them is dropped, so three quarters of the body holds every page but ones of nearly empty records.
        RecordPage page = RecordPage.Rent(shardId, (int)Math.Min(int.MaxValue, (body.Length * 3L / 4) + 1024), Math.Clamp(body.Length / MinimumRecordJson, 1, 10_000));
        try
        {
            return Read(body, page);
        }
        catch
        {
            page.Release();
            throw;
        }
    }

    private static RecordPageResponse Read(ReadOnlySpan<byte> body, RecordPage page)
    {
        var reader = new Utf8JsonReader(body);
        Expect(ref reader, JsonTokenType.StartObject);
        string? next = null;
        long? behind = null;
        List<ChildShard>? children = null;
        int kinesisRecords = 0;
        long kinesisBytes = 0;
        List<(string, string)>? problems = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("Records"u8))
            {
                Expect(ref reader, JsonTokenType.StartArray);
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    kinesisRecords++;
                    kinesisBytes += ReadRecord(ref reader, page, ref problems);
                }

                if (reader.TokenType != JsonTokenType.EndArray)
                {
                    throw new JsonException($"Expected a record or the end of Records, found {reader.TokenType}.");
                }
            }
            else if (reader.ValueTextEquals("NextShardIterator"u8))
            {
                reader.Read();
                next = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
            }
            else if (reader.ValueTextEquals("MillisBehindLatest"u8))
            {
                reader.Read();
                behind = reader.TokenType == JsonTokenType.Null ? null : reader.GetInt64();
            }
            else if (reader.ValueTextEquals("ChildShards"u8))
            {
                reader.Read();
                children = reader.TokenType == JsonTokenType.Null ? null : JsonSerializer.Deserialize(ref reader, KinesisJsonContext.Default.ListChildShard);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        page.Seal(behind ?? 0);
        return new RecordPageResponse
        {
            Page = page,
            NextShardIterator = next,
            MillisBehindLatest = behind,
            ChildShards = children ?? [],
            KinesisRecordCount = kinesisRecords,
            KinesisDataBytes = kinesisBytes,
            AggregateProblems = problems ?? (IReadOnlyList<(string, string)>)[],
        };
    }

    /// <summary>Reads one record into the page (a KPL aggregate as its user records); returns its data length.</summary>
    private static int ReadRecord(ref Utf8JsonReader reader, RecordPage page, ref List<(string, string)>? problems)
    {
        int dataOffset = -1, dataLength = 0, sequenceOffset = -1, sequenceLength = 0, keyOffset = -1, keyLength = 0;
        long arrivalTicks = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("Data"u8))
            {
                Expect(ref reader, JsonTokenType.String);
                (dataOffset, dataLength) = DecodeBase64(ref reader, page);
            }
            else if (reader.ValueTextEquals("SequenceNumber"u8))
            {
                Expect(ref reader, JsonTokenType.String);
                (sequenceOffset, sequenceLength) = CopyString(ref reader, page);
            }
            else if (reader.ValueTextEquals("PartitionKey"u8))
            {
                Expect(ref reader, JsonTokenType.String);
                (keyOffset, keyLength) = CopyString(ref reader, page);
            }
            else if (reader.ValueTextEquals("ApproximateArrivalTimestamp"u8))
            {
                reader.Read();
                arrivalTicks = EpochSecondsToTicks(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || dataOffset < 0 || sequenceOffset < 0 || keyOffset < 0)
        {
            throw new JsonException("A GetRecords record lacks its Data, SequenceNumber or PartitionKey.");
        }

        if (KplDeaggregator.AddRecords(page, dataOffset, dataLength, sequenceOffset, sequenceLength, keyOffset, keyLength, arrivalTicks) is { } problem)
        {
            (problems ??= []).Add((Encoding.ASCII.GetString(page.WrittenBytes(sequenceOffset, sequenceLength)), problem));
        }

        return dataLength;
    }

    private static (int Offset, int Length) DecodeBase64(ref Utf8JsonReader reader, RecordPage page)
    {
        ReadOnlySpan<byte> base64 = reader.ValueSpan;
        byte[]? unescaped = null;
        try
        {
            if (reader.ValueIsEscaped)
            {
                // A serializer may escape '/' or '+' (as \\/ or \\u002B); unescape before decoding.
                unescaped = ArrayPool<byte>.Shared.Rent(base64.Length);
                base64 = unescaped.AsSpan(0, reader.CopyString(unescaped));
            }

            int most = Base64.GetMaxDecodedFromUtf8Length(base64.Length);
            Span<byte> target = page.AppendBytes(most, out int offset);
            if (Base64.DecodeFromUtf8(base64, target, out _, out int written) is var status && status != OperationStatus.Done)
            {
                throw new JsonException($"Record data is not valid base64 ({status}).");
            }

            page.TrimBytes(most - written);
            return (offset, written);
        }
        finally
        {
            if (unescaped is not null)
            {
                ArrayPool<byte>.Shared.Return(unescaped);
            }
        }
    }

    /// <summary>Copies a JSON string's UTF-8 value (unescaped) into the page.</summary>
    private static (int Offset, int Length) CopyString(ref Utf8JsonReader reader, RecordPage page)
    {
        if (!reader.ValueIsEscaped)
        {
            return (page.AppendBytes(reader.ValueSpan), reader.ValueSpan.Length);
        }

        Span<byte> target = page.AppendBytes(reader.ValueSpan.Length, out int offset);
        int written = reader.CopyString(target);
        page.TrimBytes(reader.ValueSpan.Length - written);
        return (offset, written);
    }

    /// <summary>Kinesis timestamps are epoch seconds as a JSON number with a fraction (milliseconds).</summary>
    private static long EpochSecondsToTicks(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDecimal(out decimal seconds))
        {
            throw new JsonException($"Expected ApproximateArrivalTimestamp as epoch seconds, found {reader.TokenType}.");
        }

        return DateTime.UnixEpoch.Ticks + (long)decimal.Round(seconds * TimeSpan.TicksPerSecond);
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (!reader.Read() || reader.TokenType != type)
        {
            throw new JsonException($"Expected {type} in a GetRecords answer, found {reader.TokenType}.");
        }
    }
}
