using Delivery.DirectPut.Ingest;
using Delivery.DirectPut.Protocol;
using Delivery.Telemetry;

namespace Delivery.DirectPut.Server;

/// <summary>
/// The Firehose operations Direct PUT serves, on an authenticated request's body: PutRecord and PutRecordBatch store
/// records in the pipeline's stream and answer only after Kinesis has them; DescribeDeliveryStream and
/// ListDeliveryStreams describe the configured pipelines, which is what the AWS SDKs and the Kinesis Agent need to
/// start. Free of HTTP, so every answer can be checked without a server.
/// </summary>
public sealed class FirehoseApi
{
    private readonly SortedDictionary<string, DeliveryStreamEntry> _streams;
    private readonly IReadOnlyDictionary<string, bool> _encryptedStreams;
    private readonly DirectPutLog _log;
    private readonly DeliveryMetrics? _metrics;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _created;

    /// <param name="streams">Every pipeline, by name.</param>
    /// <param name="encryptedStreams">Whether each Kinesis stream encrypts records at rest (KMS); answered as <c>Encrypted</c>.</param>
    /// <param name="log">Where records are stored.</param>
    /// <param name="time">The clock for latencies and the creation time described.</param>
    /// <param name="metrics">Where the API metrics go; none when null.</param>
    public FirehoseApi(IEnumerable<DeliveryStreamEntry> streams, IReadOnlyDictionary<string, bool> encryptedStreams, DirectPutLog log, TimeProvider time, DeliveryMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(streams);
        ArgumentNullException.ThrowIfNull(time);
        _streams = new SortedDictionary<string, DeliveryStreamEntry>(streams.ToDictionary(s => s.Name, StringComparer.Ordinal), StringComparer.Ordinal);
        _encryptedStreams = encryptedStreams ?? throw new ArgumentNullException(nameof(encryptedStreams));
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _metrics = metrics;
        _time = time;
        _created = time.GetUtcNow();
    }

    /// <summary>Answers one call; <paramref name="operation"/> is the X-Amz-Target without its prefix.</summary>
    public async Task<FirehoseAnswer> HandleAsync(string operation, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        try
        {
            return operation switch
            {
                FirehoseProtocol.PutRecord => await PutAsync(batch: false, body, cancellationToken).ConfigureAwait(false),
                FirehoseProtocol.PutRecordBatch => await PutAsync(batch: true, body, cancellationToken).ConfigureAwait(false),
                FirehoseProtocol.DescribeDeliveryStream => Describe(body.Span),
                FirehoseProtocol.ListDeliveryStreams => List(body.Span),
                _ => FirehoseAnswer.Error(FirehoseError.UnknownOperation(FirehoseProtocol.TargetPrefix + operation)),
            };
        }
        catch (FirehoseProtocolException ex)
        {
            return FirehoseAnswer.Error(ex.Error);
        }
    }

    private async Task<FirehoseAnswer> PutAsync(bool batch, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        PutRecordsCall call = batch ? FirehoseRequestReader.ReadPutRecordBatch(body.Span) : FirehoseRequestReader.ReadPutRecord(body.Span);
        DeliveryStreamEntry stream = Find(call.DeliveryStreamName);
        if (!stream.AcceptsDirectPut)
        {
            throw new FirehoseProtocolException(FirehoseError.InvalidArgument(
                $"This operation is not permitted on KinesisStreamAsSource type Firehose stream {stream.Name}: the pipeline reads Kinesis stream '{stream.StreamName}' and does not accept Direct PUT."));
        }

        PipelineTelemetry? telemetry = _metrics?.ForPipeline(stream.Name);
        IReadOnlyList<PutOutcome> outcomes;
        try
        {
            outcomes = await _log.PutAsync(stream.Name, stream.StreamName, call.Records, cancellationToken).ConfigureAwait(false);
        }
        catch (FirehoseProtocolException ex)
        {
            telemetry?.PutAnswered(batch, succeeded: false, 0, 0, ex.Throttled ? call.Records.Count : 0, _time.GetElapsedTime(started));
            throw;
        }

        long storedBytes = 0;
        int stored = 0;
        for (int i = 0; i < outcomes.Count; i++)
        {
            if (outcomes[i].Stored)
            {
                stored++;
                storedBytes += call.Records[i].Length;
            }
        }

        int throttled = outcomes.Count(outcome => outcome.Throttled);
        bool encrypted = _encryptedStreams.GetValueOrDefault(stream.StreamName);
        if (!batch && outcomes[0] is { Stored: false } refused)
        {
            // PutRecord has no per-record answer: a record Kinesis refused fails the call, for the producer to retry.
            telemetry?.PutAnswered(batch, succeeded: false, 0, 0, throttled, _time.GetElapsedTime(started));
            return FirehoseAnswer.Error(FirehoseError.ServiceUnavailable(refused.ErrorMessage ?? "The record was not stored. Put it again."));
        }

        FirehoseAnswer answer = batch
            ? FirehoseAnswer.Ok(json => FirehoseResponseWriter.WritePutRecordBatch(json, outcomes, encrypted))
            : FirehoseAnswer.Ok(json => FirehoseResponseWriter.WritePutRecord(json, outcomes[0].RecordId!, encrypted));
        telemetry?.PutAnswered(batch, succeeded: true, stored, storedBytes, throttled, _time.GetElapsedTime(started));
        return answer;
    }

    private FirehoseAnswer Describe(ReadOnlySpan<byte> body)
    {
        long started = _time.GetTimestamp();
        DescribeDeliveryStreamCall call = FirehoseRequestReader.ReadDescribeDeliveryStream(body);
        DeliveryStreamEntry stream = Find(call.DeliveryStreamName);
        bool encrypted = _encryptedStreams.GetValueOrDefault(stream.StreamName);
        FirehoseAnswer answer = FirehoseAnswer.Ok(json => FirehoseResponseWriter.WriteDescribeDeliveryStream(json, stream, encrypted, _created));
        _metrics?.ForPipeline(stream.Name).DescribeAnswered(_time.GetElapsedTime(started));
        return answer;
    }

    private FirehoseAnswer List(ReadOnlySpan<byte> body)
    {
        ListDeliveryStreamsCall call = FirehoseRequestReader.ReadListDeliveryStreams(body);
        List<string> names = [.. _streams.Values
            .Where(s => call.DeliveryStreamType is null || s.DeliveryStreamType == call.DeliveryStreamType)
            .Where(s => call.ExclusiveStartDeliveryStreamName is null || string.CompareOrdinal(s.Name, call.ExclusiveStartDeliveryStreamName) > 0)
            .Select(s => s.Name)];
        bool hasMore = names.Count > call.Limit;
        return FirehoseAnswer.Ok(json => FirehoseResponseWriter.WriteListDeliveryStreams(json, names[..Math.Min(names.Count, call.Limit)], hasMore));
    }

    private DeliveryStreamEntry Find(string name) =>
        _streams.TryGetValue(name, out DeliveryStreamEntry? stream)
            ? stream
            : throw new FirehoseProtocolException(FirehoseError.ResourceNotFound(name, _streams.Values.FirstOrDefault()?.AccountId ?? "000000000000"));
}
