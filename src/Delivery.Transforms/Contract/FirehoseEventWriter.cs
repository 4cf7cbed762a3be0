using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Delivery.Transforms.Processing;

namespace Delivery.Transforms.Contract;

/// <summary>
/// Writes the JSON event a Firehose data-transformation Lambda receives, straight from the batch's bytes: one forward
/// pass with <see cref="Utf8JsonWriter"/>, each record's data base64-encoded into the output buffer.
/// </summary>
public static class FirehoseEventWriter
{
    // Base64 and ids are ASCII; keys and ARNs may not be, and the event is JSON for a program, not for an HTML page.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary>
    /// Bytes of an event around its records' data and metadata, and per record around its base64 data and metadata
    /// strings; used to keep events under a payload limit before they are written.
    /// </summary>
    public const int EnvelopeBytes = 512;

    /// <summary>See <see cref="EnvelopeBytes"/>.</summary>
    public const int RecordOverheadBytes = 220;

    /// <summary>Writes the event for <paramref name="records"/>; the recordId of each is its index in the list.</summary>
    public static void Write(IBufferWriter<byte> output, string invocationId, ProcessingRun run, IReadOnlyList<ChainRecord> records)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(records);
        DeliveryBatch batch = run.Batch;
        using var json = new Utf8JsonWriter(output, Options);
        json.WriteStartObject();
        json.WriteString("invocationId", invocationId);
        json.WriteString("deliveryStreamArn", run.Environment.DeliveryStreamArn);
        json.WriteString("sourceKinesisStreamArn", run.Environment.KinesisStreamArn(batch.Source.StreamName));
        json.WriteString("region", run.Environment.Region);
        json.WriteStartArray("records");
        Span<char> id = stackalloc char[11];
        for (int i = 0; i < records.Count; i++)
        {
            ChainRecord record = records[i];
            SourceRecord source = batch.Records[record.SourceIndex];
            long arrival = source.ApproximateArrivalTimestamp.ToUnixTimeMilliseconds();
            i.TryFormat(id, out int idLength, provider: CultureInfo.InvariantCulture);
            json.WriteStartObject();
            json.WriteString("recordId", id[..idLength]);
            json.WriteNumber("approximateArrivalTimestamp", arrival);
            json.WriteBase64String("data", record.Data.Span);
            json.WriteStartObject("kinesisRecordMetadata");
            json.WriteString("shardId", batch.Source.ShardId);
            json.WriteString("partitionKey", source.PartitionKey);
            json.WriteString("sequenceNumber", source.Position.SequenceNumber);
            json.WriteNumber("subsequenceNumber", source.Position.SubSequenceNumber);
            json.WriteNumber("approximateArrivalTimestamp", arrival);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>An upper bound of the bytes <paramref name="record"/> adds to an event.</summary>
    public static long EstimateRecordBytes(ProcessingRun run, in ChainRecord record)
    {
        ArgumentNullException.ThrowIfNull(run);
        SourceRecord source = run.Batch.Records[record.SourceIndex];

        // A partition key may be escaped to six bytes a character at worst.
        return ((record.Data.Length + 2L) / 3 * 4) + RecordOverheadBytes + run.Batch.Source.ShardId.Length
            + (source.PartitionKey.Length * 6L) + source.Position.SequenceNumber.Length;
    }
}
