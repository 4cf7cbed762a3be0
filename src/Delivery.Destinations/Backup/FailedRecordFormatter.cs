using System.Text.Json;

namespace Delivery.Destinations.Backup;

/// <summary>
/// Writes failed records in Firehose's error output format: one JSON object per line with the attempts made, the
/// error, the record's original bytes in base64, where the destination meant it to go (OpenSearch's index and document
/// id) and, beyond Firehose, the record's Kinesis position, so an operator can trace a failure back to its shard and
/// replay it.
/// </summary>
public static class FailedRecordFormatter
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>Writes one line per entry of <paramref name="records"/>, in order, to <paramref name="destination"/>.</summary>
    /// <param name="batch">The batch the records belong to; it holds their original bytes.</param>
    /// <param name="records">The failed records, by index into the batch.</param>
    /// <param name="destination">Receives UTF-8 JSON lines; left open.</param>
    /// <param name="attemptEnded">When the last attempt ended (attemptEndingTimestamp).</param>
    public static void Write(DeliveryBatch batch, IReadOnlyList<FailedRecord> records, DateTimeOffset attemptEnded, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(destination);
        using var json = new Utf8JsonWriter(destination, WriterOptions);
        long ended = attemptEnded.ToUnixTimeMilliseconds();
        foreach (FailedRecord failed in records)
        {
            SourceRecord record = batch.Records[failed.Index];
            long arrival = record.ApproximateArrivalTimestamp.ToUnixTimeMilliseconds();
            json.WriteStartObject();
            json.WriteNumber("attemptsMade", failed.AttemptsMade);
            json.WriteNumber("arrivalTimestamp", arrival);
            json.WriteString("errorCode", failed.ErrorCode);
            json.WriteString("errorMessage", failed.ErrorMessage);
            json.WriteNumber("attemptEndingTimestamp", ended);
            json.WriteBase64String("rawData", record.Data.Span);
            if (failed.LambdaArn is not null)
            {
                json.WriteString("lambdaArn", failed.LambdaArn);
            }

            foreach ((string name, string value) in failed.DestinationFields ?? [])
            {
                json.WriteString(name, value);
            }

            json.WriteStartObject("kinesisRecordMetadata");
            json.WriteString("streamName", batch.Source.StreamName);
            json.WriteString("shardId", batch.ShardIdOf(record));
            json.WriteString("partitionKey", record.PartitionKey);
            json.WriteString("sequenceNumber", record.Position.SequenceNumber);
            json.WriteNumber("subsequenceNumber", record.Position.SubSequenceNumber);
            json.WriteNumber("approximateArrivalTimestamp", arrival);
            json.WriteEndObject();
            json.WriteEndObject();
            json.Flush();
            destination.WriteByte((byte)'\n');

            // Without a reset the writer would separate the next top-level object with a comma.
            json.Reset();
        }
    }
}
