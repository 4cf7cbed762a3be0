using Delivery.Destinations.Http;
using Delivery.Destinations.Requests;
using Delivery.Destinations.Retrying;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IO;

namespace Delivery.Destinations.Splunk;

/// <summary>
/// Delivers a batch to Splunk's HTTP Event Collector with indexer acknowledgement, as Firehose's Splunk destination
/// does. A batch is sent as one request, or several above 5 MiB (Firehose's largest Splunk buffer). A request counts as
/// delivered only once the ack endpoint reports its ackId as indexed; until
/// <see cref="SplunkDestinationOptions.HecAcknowledgmentTimeoutInSeconds"/> after it was sent, it is asked
/// (<see cref="AckPolling"/>), then the request is sent again, with <see cref="RetryBackoff"/>, until
/// <see cref="SplunkDestinationOptions.RetryDurationSeconds"/> counted from its first failure runs out. Sending again
/// may index the data twice, as with Firehose. What retrying cannot fix (a refused or disabled token, acknowledgement
/// turned off) fails the request at once. An event HEC cannot read fails its own record, and the others are sent again
/// without it. Records not delivered are returned as failed with the error output type <c>splunk-failed</c>.
/// </summary>
public sealed class SplunkBatchWriter : IBatchWriter
{
    /// <summary>The most record data in one request: 5 MiB, Firehose's largest Splunk buffer.</summary>
    public const long MaxDataBytesPerRequest = 5L * 1024 * 1024;

    /// <summary>The most records in one request; HEC has no such limit, this keeps one request's bookkeeping small.</summary>
    public const int MaxRecordsPerRequest = 100_000;

    private static readonly RecyclableMemoryStreamManager SharedStreams = new(new RecyclableMemoryStreamManager.Options
    {
        MaximumSmallPoolFreeBytes = 64L * 1024 * 1024,
    });

    private readonly SplunkDestinationOptions _options;
    private readonly HecClient _hec;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RecyclableMemoryStreamManager _streams;
    private readonly RetryDurationPolicy _retry;
    private readonly TimeSpan _ackTimeout;
    private readonly string _safeUrl;
    private readonly Action<TimeSpan>? _acknowledged;

    /// <summary>Creates the writer of one pipeline, with a channel of its own.</summary>
    /// <param name="options">The pipeline's settings; validated here too, so a bad one throws <see cref="OptionsValidationException"/>.</param>
    /// <param name="token">The HEC token (read from <see cref="SplunkDestinationOptions.HecTokenVariable"/>); never logged.</param>
    /// <param name="client">Sends the requests; its own timeout is not used, and it must not handle cookies.</param>
    /// <param name="logger">Receives a warning per failed attempt and an error per request given up.</param>
    /// <param name="timeProvider">Acknowledgement waits, timeouts and retry waits; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="streamManager">Pool the bodies are encoded into.</param>
    /// <param name="unitRandom">Jitter source in [0, 1), for tests; default <see cref="Random.Shared"/>.</param>
    /// <param name="acknowledged">Called with the time from sending a request to seeing it acknowledged (DataAckLatency).</param>
    /// <param name="channel">The HEC channel id; default a new GUID.</param>
    public SplunkBatchWriter(
        SplunkDestinationOptions options,
        string token,
        HttpClient client,
        ILogger<SplunkBatchWriter> logger,
        TimeProvider? timeProvider = null,
        RecyclableMemoryStreamManager? streamManager = null,
        Func<double>? unitRandom = null,
        Action<TimeSpan>? acknowledged = null,
        Guid? channel = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(logger);
        ValidateOptionsResult validation = new SplunkDestinationOptionsValidator().Validate(Options.DefaultName, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(SplunkDestinationOptions), validation.Failures);
        }

        _options = options;
        _hec = new HecClient(client, options, token, channel ?? Guid.NewGuid());
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _streams = streamManager ?? SharedStreams;
        _ackTimeout = TimeSpan.FromSeconds(options.HecAcknowledgmentTimeoutInSeconds);
        _safeUrl = HecUrls.Safe(_hec.DataUrl);
        _acknowledged = acknowledged;
        _retry = new RetryDurationPolicy(TimeSpan.FromSeconds(options.RetryDurationSeconds), _time, unitRandom, RetryDurationStart.FirstFailure);
    }

    public string DestinationType => "splunk";

    /// <summary>The channel this writer's requests carry in <c>X-Splunk-Request-Channel</c>.</summary>
    public string Channel => _hec.Channel;

    /// <summary>
    /// Sends every request of the batch and returns the records not delivered. Throws only
    /// <see cref="OperationCanceledException"/> (shutdown, lost lease): a cancelled batch is not failed, it is read again.
    /// </summary>
    public async Task<BatchWriteResult> WriteAsync(DeliveryBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var failed = new List<FailedRecord>();
        foreach ((int start, int count) in RequestSlices.Of(batch, MaxRecordsPerRequest, MaxDataBytesPerRequest))
        {
            var records = new List<int>(count);
            var events = new List<int>(count);
            for (int i = start; i < start + count; i++)
            {
                (int recordEvents, string? problem) = SplunkRecords.Check(batch.Records[i].Data.Span, _options.HecEndpointType, _options.EventFormat);
                if (problem is null)
                {
                    records.Add(i);
                    events.Add(recordEvents);
                }
                else
                {
                    Log.RecordRefused(_logger, batch.Id, i, problem);
                    failed.Add(new FailedRecord(i, "Splunk.InvalidDataFormat", problem, ErrorOutputTypes.SplunkFailed, AttemptsMade: 0));
                }
            }

            await DeliverAsync(batch, records, events, failed, cancellationToken).ConfigureAwait(false);
        }

        return failed.Count == 0 ? BatchWriteResult.Delivered : new BatchWriteResult(failed);
    }

    // Sends the records as one request until it is acknowledged or given up; an event HEC refuses takes its record out,
    // and the others go again at once (HEC may have indexed the events before it: they may appear twice).
    private async Task DeliverAsync(DeliveryBatch batch, List<int> records, List<int> events, List<FailedRecord> failed, CancellationToken cancellationToken)
    {
        while (records.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using SplunkRequest request = SplunkRequest.Encode(batch, records, events, _options.HecEndpointType, _options.EventFormat, _streams);
            var attempt = new Attempt(request);
            long started = _time.GetTimestamp();
            RetriedOutcome result = await _retry.ExecuteAsync(
                static (state, token) => state.Writer.SendOnceAsync(state.Attempt, token), (Writer: this, Attempt: attempt), cancellationToken).ConfigureAwait(false);
            AttemptOutcome outcome = result.Outcome;
            if (outcome.Succeeded)
            {
                Log.RequestDelivered(_logger, _safeUrl, batch.Id, records.Count, request.Body.Length, result.AttemptsMade, attempt.AckId ?? -1, _time.GetElapsedTime(started).TotalMilliseconds);
                return;
            }

            if (attempt.RefusedRecord is { } refused)
            {
                Log.EventRefused(_logger, _safeUrl, batch.Id, refused, records.Count - 1, outcome.ErrorCode, outcome.ErrorMessage);
                failed.Add(new FailedRecord(refused, outcome.ErrorCode, outcome.ErrorMessage, ErrorOutputTypes.SplunkFailed, result.AttemptsMade));
                int position = records.IndexOf(refused);
                records.RemoveAt(position);
                events.RemoveAt(position);
                continue;
            }

            Log.RequestGivenUp(_logger, _safeUrl, batch.Id, records.Count, result.AttemptsMade, outcome.Status, outcome.ErrorCode, outcome.ErrorMessage);
            failed.AddRange(records.Select(index => new FailedRecord(index, outcome.ErrorCode, outcome.ErrorMessage, ErrorOutputTypes.SplunkFailed, result.AttemptsMade)));
            return;
        }
    }

    private async ValueTask<AttemptOutcome> SendOnceAsync(Attempt attempt, CancellationToken cancellationToken)
    {
        long sent = _time.GetTimestamp();
        AttemptOutcome outcome;
        HecAnswer? answer = null;
        using (var window = new CancellationTokenSource(_ackTimeout, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, window.Token))
        {
            try
            {
                answer = await _hec.SendDataAsync(new PooledBodyContent(attempt.Request.Body), linked.Token).ConfigureAwait(false);
                outcome = AttemptOutcome.Success;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                outcome = AttemptOutcome.Retryable("Splunk.ConnectionTimeout", $"HEC did not answer within the acknowledgement timeout ({_ackTimeout.TotalSeconds:0} s).");
            }
            catch (HttpRequestException exception)
            {
                outcome = Transport(exception);
            }
            catch (IOException exception)
            {
                outcome = AttemptOutcome.Retryable("Splunk.ConnectionClosed", exception.Message);
            }
        }

        outcome = answer switch
        {
            null => outcome,
            { Accepted: true, AckId: { } ackId } => await AwaitAckAsync(attempt, ackId, sent, cancellationToken).ConfigureAwait(false),
            { Accepted: true } => AttemptOutcome.Permanent(
                "Splunk.DisabledAck",
                "HEC accepted the request without an ackId: indexer acknowledgement is off for the token, so nothing confirms the data was indexed. Turn it on for the token (the records are in the backup bucket, and may be in Splunk too)."),
            { } refusal => Refusal(attempt, refusal),
        };
        if (!outcome.Succeeded)
        {
            Log.AttemptFailed(_logger, _safeUrl, outcome.Status, outcome.ErrorCode, outcome.ErrorMessage);
        }

        return outcome;
    }

    // Asks until the ackId is true or the acknowledgement timeout, counted from sending, runs out; the last query is made
    // at the timeout itself.
    private async Task<AttemptOutcome> AwaitAckAsync(Attempt attempt, long ackId, long sent, CancellationToken cancellationToken)
    {
        attempt.AckId = ackId;
        string? lastProblem = null;
        bool channelUnknown = false;
        for (int query = 0; ; query++)
        {
            TimeSpan left = _ackTimeout - _time.GetElapsedTime(sent);
            if (left <= TimeSpan.Zero)
            {
                return AckTimeout(ackId, lastProblem, channelUnknown);
            }

            TimeSpan delay = AckPolling.Delay(query);
            await Task.Delay(delay < left ? delay : left, _time, cancellationToken).ConfigureAwait(false);
            using var limit = new CancellationTokenSource(AckPolling.QueryTimeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
            try
            {
                (HecAnswer answer, bool? acknowledged) = await _hec.QueryAckAsync(ackId, linked.Token).ConfigureAwait(false);
                if (acknowledged == true)
                {
                    _acknowledged?.Invoke(_time.GetElapsedTime(sent));
                    return AttemptOutcome.Success;
                }

                if (acknowledged is null)
                {
                    AttemptOutcome refusal = HecResponse.Classify(answer);
                    if (refusal.Status == AttemptStatus.Permanent)
                    {
                        return refusal;
                    }

                    channelUnknown |= refusal.ErrorCode == "Splunk.InvalidChannel";
                    lastProblem = refusal.ErrorMessage;
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lastProblem = $"an acknowledgement query got no answer within {AckPolling.QueryTimeout.TotalSeconds:0} s.";
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException)
            {
                lastProblem = $"an acknowledgement query failed: {exception.Message}";
            }
        }
    }

    private AttemptOutcome AckTimeout(long ackId, string? lastProblem, bool channelUnknown)
    {
        if (channelUnknown)
        {
            return AttemptOutcome.Retryable(
                "Splunk.ProxyWithoutStickySessions",
                $"HEC did not know the channel when asked for ackId {ackId}: a load balancer in front of several indexers must keep a channel's requests on one indexer (sticky sessions). Last answer: {lastProblem}");
        }

        string message = $"HEC did not acknowledge ackId {ackId} as indexed within {_ackTimeout.TotalSeconds:0} s. The data may have been indexed all the same; sent again, it may appear twice.";
        return AttemptOutcome.Retryable("Splunk.AckTimeout", lastProblem is null ? message : $"{message} Last problem: {lastProblem}");
    }

    // An event HEC cannot read, or may not index, fails its own record when the request holds more than it.
    private AttemptOutcome Refusal(Attempt attempt, HecAnswer answer)
    {
        AttemptOutcome outcome = HecResponse.Classify(answer);
        if (_options.HecEndpointType == HecEndpointType.Event && outcome.ErrorCode is "Splunk.InvalidDataFormat" or "Splunk.InvalidIndex"
            && answer.InvalidEventNumber is { } number && attempt.Request.RecordOfEvent(number) is var record and >= 0)
        {
            attempt.RefusedRecord = record;
        }

        return outcome;
    }

    private static AttemptOutcome Transport(HttpRequestException exception) => exception.HttpRequestError switch
    {
        HttpRequestError.SecureConnectionError => AttemptOutcome.Retryable("Splunk.SSLHandshake", $"the TLS handshake with HEC failed: {exception.Message}"),
        HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError => AttemptOutcome.Retryable("Splunk.InvalidEndpoint", $"could not connect to HEC: {exception.Message}"),
        _ => AttemptOutcome.Retryable("Splunk.ConnectionClosed", $"{exception.HttpRequestError}: {exception.Message}"),
    };

    // What one request's attempts learn, for the writer to act on once they end.
    private sealed class Attempt(SplunkRequest request)
    {
        public SplunkRequest Request { get; } = request;

        public long? AckId { get; set; }

        public int? RefusedRecord { get; set; }
    }
}
