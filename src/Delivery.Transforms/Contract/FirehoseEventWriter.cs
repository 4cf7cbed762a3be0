using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Delivery.Transforms.Processing;

namespace Delivery.Transforms.Contract;

/// <summary>
/// Writes the JSON event a Firehose data-transformation Lambda receives, straight from the batch's bytes in one forward
/// pass: the constant parts as UTF-8 literals, each record's data base64-encoded into the output buffer, numbers
/// formatted in place, strings copied as they are unless JSON needs them escaped. Nothing is allocated per record.
/// </summary>
/// <remarks>
/// The text is what <see cref="Utf8JsonWriter"/> with <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/> wrote
/// (that encoder escapes what it must for strings that need it); assembling it directly measured several times faster
/// for small records, whose cost is all in the per-property calls.
/// </remarks>
public static class FirehoseEventWriter
{
    // Base64 and ids are ASCII; keys and ARNs may not be, and the event is JSON for a program, not for an HTML page.
    private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    // Characters a string is written with as they are; anything else goes through the encoder.
    private static readonly SearchValues<char> Plain = SearchValues.Create(
        [.. Enumerable.Range(0x20, 0x7F - 0x20).Select(c => (char)c).Where(c => c is not ('"' or '\\' or '<' or '>' or '&' or '\'' or '+' or '`'))]);

    // The same characters as UTF-8 bytes: a record's partition key and sequence number are written from its page's bytes.
    private static readonly SearchValues<byte> PlainBytes = SearchValues.Create(
        [.. Enumerable.Range(0x20, 0x7F - 0x20).Select(c => (byte)c).Where(c => c is not ((byte)'"' or (byte)'\\' or (byte)'<' or (byte)'>' or (byte)'&' or (byte)'\'' or (byte)'+' or (byte)'`'))]);

    /// <summary>
    /// Bytes of an event around its records' data and metadata, and per record around its base64 data and metadata
    /// strings; used to keep events under a payload limit before they are written.
    /// </summary>
    public const int EnvelopeBytes = 512;

    /// <summary>See <see cref="EnvelopeBytes"/>.</summary>
    public const int RecordOverheadBytes = 220;

    // Per record, the literal text and the numbers at their longest: an upper bound of all but the strings and data.
    private const int RecordFixedBytes = 300;

    /// <summary>Writes the event for <paramref name="records"/>; the recordId of each is its index in the list.</summary>
    public static void Write(IBufferWriter<byte> output, string invocationId, ProcessingRun run, IReadOnlyList<ChainRecord> records)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(invocationId);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(records);
        DeliveryBatch batch = run.Batch;
        Literal(output, "{\"invocationId\":"u8);
        String(output, invocationId);
        Literal(output, ",\"deliveryStreamArn\":"u8);
        String(output, run.Environment.DeliveryStreamArn);
        Literal(output, ",\"sourceKinesisStreamArn\":"u8);
        String(output, run.Environment.KinesisStreamArn(batch.Source.StreamName));
        Literal(output, ",\"region\":"u8);
        String(output, run.Environment.Region);
        Literal(output, ",\"records\":["u8);

        // A batch's records come shard after shard (one shard, unless the batch is a worker-scope plan): a shard id is
        // encoded when it changes, not for every record.
        var shard = new ArrayBufferWriter<byte>(MaxStringBytes(batch.Source.ShardId));
        string? encodedShard = null;
        for (int i = 0; i < records.Count; i++)
        {
            ChainRecord record = records[i];
            SourceRecord source = batch.Records[record.SourceIndex];
            string shardOfRecord = batch.ShardIdOf(source);
            if (!string.Equals(shardOfRecord, encodedShard, StringComparison.Ordinal))
            {
                shard.ResetWrittenCount();
                String(shard, shardOfRecord);
            }

            // The last id seen, even when equal: the next record of the same page then matches by reference.
            encodedShard = shardOfRecord;
            ReadOnlySpan<byte> shardId = shard.WrittenSpan;
            ReadOnlySpan<byte> data = record.Data.Span;
            long arrival = source.ApproximateArrivalTimestamp.ToUnixTimeMilliseconds();
            ReadOnlySpan<byte> partitionKey = source.PartitionKeyUtf8;
            ReadOnlySpan<byte> sequenceNumber = source.SequenceNumberUtf8;
            int bound = RecordFixedBytes + Base64.GetMaxEncodedToUtf8Length(data.Length) + shardId.Length
                + MaxStringBytes(partitionKey.Length) + MaxStringBytes(sequenceNumber.Length);
            Span<byte> span = output.GetSpan(bound);
            int at = 0;
            Put(span, ref at, i == 0 ? "{\"recordId\":\""u8 : ",{\"recordId\":\""u8);
            at += Format(i, span[at..]);
            Put(span, ref at, "\",\"approximateArrivalTimestamp\":"u8);
            at += Format(arrival, span[at..]);
            Put(span, ref at, ",\"data\":\""u8);
            Base64.EncodeToUtf8(data, span[at..], out _, out int encoded);
            at += encoded;
            Put(span, ref at, "\",\"kinesisRecordMetadata\":{\"shardId\":"u8);
            Put(span, ref at, shardId);
            Put(span, ref at, ",\"partitionKey\":"u8);
            at += String(span[at..], partitionKey);
            Put(span, ref at, ",\"sequenceNumber\":"u8);
            at += String(span[at..], sequenceNumber);
            Put(span, ref at, ",\"subsequenceNumber\":"u8);
            at += Format(source.SubSequenceNumber, span[at..]);
            Put(span, ref at, ",\"approximateArrivalTimestamp\":"u8);
            at += Format(arrival, span[at..]);
            Put(span, ref at, "}}"u8);
            output.Advance(at);
        }

        Literal(output, "]}"u8);
    }

    /// <summary>An upper bound of the bytes <paramref name="record"/> adds to an event.</summary>
    public static long EstimateRecordBytes(ProcessingRun run, in ChainRecord record)
    {
        ArgumentNullException.ThrowIfNull(run);
        SourceRecord source = run.Batch.Records[record.SourceIndex];

        // A partition key may be escaped to six bytes a character at worst, and has no more characters than UTF-8 bytes.
        return ((record.Data.Length + 2L) / 3 * 4) + RecordOverheadBytes + run.Batch.ShardIdOf(source).Length
            + (source.PartitionKeyUtf8.Length * 6L) + source.SequenceNumberUtf8.Length;
    }

    // Quotes, and six bytes a character at worst (an escape like \u001F; no character takes more as UTF-8).
    private static int MaxStringBytes(string value) => MaxStringBytes(value.Length);

    // The same for text of this many UTF-8 bytes, which has at most as many characters.
    private static int MaxStringBytes(int length) => 2 + (6 * length);

    private static void Put(Span<byte> span, ref int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span[at..]);
        at += bytes.Length;
    }

    private static void Literal(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    private static void String(IBufferWriter<byte> output, string value) =>
        output.Advance(String(output.GetSpan(MaxStringBytes(value)), value));

    /// <summary>Writes <paramref name="value"/> as a JSON string into <paramref name="target"/>; returns the bytes written.</summary>
    private static int String(Span<byte> target, string value)
    {
        target[0] = (byte)'"';
        int length;
        if (!value.AsSpan().ContainsAnyExcept(Plain))
        {
            // ASCII that needs no escape: one byte a character.
            length = Encoding.ASCII.GetBytes(value, target[1..]);
        }
        else
        {
            // Rare (non-ASCII text, quotes, control characters): the encoder the writer used, so the text is the same.
            ReadOnlySpan<byte> escaped = JsonEncodedText.Encode(value, Encoder).EncodedUtf8Bytes;
            escaped.CopyTo(target[1..]);
            length = escaped.Length;
        }

        target[length + 1] = (byte)'"';
        return length + 2;
    }

    /// <summary>Writes UTF-8 <paramref name="value"/> as a JSON string; returns the bytes written.</summary>
    private static int String(Span<byte> target, ReadOnlySpan<byte> value)
    {
        if (value.ContainsAnyExcept(PlainBytes))
        {
            // Rare: through the string path, so the text is what the encoder makes of it.
            return String(target, Encoding.UTF8.GetString(value));
        }

        target[0] = (byte)'"';
        value.CopyTo(target[1..]);
        target[value.Length + 1] = (byte)'"';
        return value.Length + 2;
    }

    private static int Format(long value, Span<byte> target) =>
        Utf8Formatter.TryFormat(value, target, out int written) ? written : throw new InvalidOperationException("A number did not fit its room in the event.");
}
