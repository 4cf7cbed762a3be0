using System.Globalization;
using Delivery.DirectPut.Protocol;
using Delivery.Kinesis.Client;
using Microsoft.Extensions.Logging;

namespace Delivery.DirectPut.Ingest;

/// <summary>
/// Stores the records of a Direct PUT call in the pipeline's Kinesis stream with one PutRecords call, and says what
/// became of each. This is the durability point: a record is acknowledged to the producer only with the id Kinesis
/// gave it, so nothing acknowledged exists only in this process. From the stream the records are read, buffered and
/// delivered like any other, with the pipeline's exactly-once-per-object guarantees.
/// </summary>
/// <remarks>
/// Firehose's limits (500 records, 1,000 KiB each, 4 MiB a call) sit inside PutRecords' (500 records, 1 MiB each with
/// its partition key, 5 MiB a call), so a call is always one PutRecords. Records get random partition keys: Firehose
/// promises no order, and random keys spread a call over every shard. The client retries a call that fails whole
/// (throttling, 5xx, timeouts) itself; records Kinesis refuses one by one are answered as refused, for the producer
/// to put again, as Firehose answers records over its limits.
/// </remarks>
public sealed class DirectPutLog(IKinesisClient kinesis, ILogger<DirectPutLog> logger)
{
    /// <summary>The id of a stored record: its shard and sequence number, unique in the stream and the same whenever asked.</summary>
    public static string RecordId(string shardId, string sequenceNumber) => $"{shardId}:{sequenceNumber}";

    /// <summary>Puts the records into <paramref name="streamName"/>; one outcome per record, in order.</summary>
    /// <exception cref="FirehoseProtocolException">The call stored nothing: answer ServiceUnavailableException.</exception>
    public async Task<IReadOnlyList<PutOutcome>> PutAsync(string deliveryStreamName, string streamName, IReadOnlyList<byte[]> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        var request = new PutRecordsRequest { StreamName = streamName, Records = new List<PutRecordsRequestEntry>(records.Count) };
        foreach (byte[] data in records)
        {
            request.Records.Add(new PutRecordsRequestEntry
            {
                Data = new MemoryStream(data, 0, data.Length, writable: false, publiclyVisible: true),
                PartitionKey = Random.Shared.NextInt64().ToString("x16", CultureInfo.InvariantCulture),
            });
        }

        PutRecordsResponse response;
        try
        {
            response = await kinesis.PutRecordsAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonKinesisException ex)
        {
            bool throttled = ex is ProvisionedThroughputExceededException or LimitExceededException;
            Log.KinesisPutFailed(logger, ex, deliveryStreamName, streamName, records.Count, ex.ErrorCode);
            throw new FirehoseProtocolException(FirehoseError.ServiceUnavailable(
                $"The records were not stored: Kinesis stream '{streamName}' behind Firehose stream {deliveryStreamName} refused the call ({ex.ErrorCode}): {ex.Message} Back off and put them again."), throttled, ex);
        }

        if (response.Records.Count != records.Count)
        {
            throw new FirehoseProtocolException(FirehoseError.ServiceUnavailable(
                $"Kinesis answered {response.Records.Count} results for {records.Count} records; none is acknowledged. Put them again."));
        }

        var outcomes = new PutOutcome[records.Count];
        for (int i = 0; i < outcomes.Length; i++)
        {
            PutRecordsResultEntry result = response.Records[i];
            outcomes[i] = result is { ErrorCode: null, ShardId: { } shard, SequenceNumber: { } sequence }
                ? new PutOutcome(RecordId(shard, sequence), null, null)
                : Refused(streamName, result);
        }

        return outcomes;
    }

    // Firehose has one per-record error for "not now": ServiceUnavailableException, which producers put again.
    private static PutOutcome Refused(string streamName, PutRecordsResultEntry result)
    {
        string code = result.ErrorCode ?? "InternalFailure";
        bool throttled = code.Contains("Throughput", StringComparison.Ordinal) || code.Contains("Throttl", StringComparison.Ordinal);
        string message = throttled
            ? $"Slow down: Kinesis stream '{streamName}' is over its write throughput ({code}). Put the record again after a backoff."
            : $"Kinesis stream '{streamName}' did not store the record ({code}: {result.ErrorMessage}). Put it again.";
        return new PutOutcome(null, FirehoseError.ServiceUnavailableType, message) { Throttled = throttled };
    }
}
