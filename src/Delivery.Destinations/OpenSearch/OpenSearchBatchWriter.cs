using System.Net;
using System.Net.Sockets;
using Delivery.Aws.Signing;
using Delivery.Destinations.Retrying;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IO;

namespace Delivery.Destinations.OpenSearch;

/// <summary>
/// Indexes a batch through the <c>_bulk</c> API, as Firehose's OpenSearch destination does. Each record is an
/// <c>index</c> action into its rotated index, with an id derived from its place in the stream, so a batch sent again
/// overwrites its documents. A batch larger than <see cref="OpenSearchDestinationOptions.MaxBulkRequestSizeInMBs"/> is
/// sent as several requests. Of each request, only the documents the cluster refused for now (429, 5xx, a rejected
/// execution, a write block) are sent again, with <see cref="RetryBackoff"/>, until
/// <see cref="OpenSearchDestinationOptions.RetryDurationSeconds"/> runs out; a whole request refused with 429, 5xx,
/// 401, 403, a timeout or a broken connection is sent again the same way. Documents refused for good (a mapping error)
/// and those still refused when the duration ends are returned as failed with <c>AmazonOpenSearchService-failed</c>, naming the
/// index and id they were meant for, and the pipeline writes them to the backup bucket.
/// </summary>
public sealed class OpenSearchBatchWriter : IBatchWriter
{
    private const int BaseResponseBytes = 1024 * 1024;

    // An item of a bulk response is a few hundred bytes, an error's reason rarely more than a kilobyte.
    private const int ResponseBytesPerDocument = 2048;

    private static readonly RecyclableMemoryStreamManager SharedStreams = new(new RecyclableMemoryStreamManager.Options
    {
        MaximumSmallPoolFreeBytes = 256L * 1024 * 1024,
    });

    private readonly OpenSearchDestinationOptions _options;
    private readonly BulkEndpoint _endpoint;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RecyclableMemoryStreamManager _streams;
    private readonly RetryDurationPolicy _retry;
    private readonly bool _signed;
    private readonly long _maxRequestBytes;

    /// <summary>Creates the writer of one pipeline.</summary>
    /// <param name="options">The pipeline's settings; validated here too, so a bad one throws <see cref="OptionsValidationException"/>.</param>
    /// <param name="client">Sends the requests; for SigV4 its handler chain signs them. Its own timeout is not used.</param>
    /// <param name="logger">Receives a warning per refused attempt and an error per request with documents given up; never a credential.</param>
    /// <param name="timeProvider">Timeouts and retry waits; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="streamManager">Pool the bodies are encoded into.</param>
    /// <param name="unitRandom">Jitter source in [0, 1), for tests; default <see cref="Random.Shared"/>.</param>
    public OpenSearchBatchWriter(
        OpenSearchDestinationOptions options,
        HttpClient client,
        ILogger<OpenSearchBatchWriter> logger,
        TimeProvider? timeProvider = null,
        RecyclableMemoryStreamManager? streamManager = null,
        Func<double>? unitRandom = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(logger);
        ValidateOptionsResult validation = new OpenSearchDestinationOptionsValidator().Validate(Options.DefaultName, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(OpenSearchDestinationOptions), validation.Failures);
        }

        _options = options;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _streams = streamManager ?? SharedStreams;
        _endpoint = new BulkEndpoint(options, client, _time);
        _retry = new RetryDurationPolicy(TimeSpan.FromSeconds(options.RetryDurationSeconds), _time, unitRandom);
        _signed = options.Authentication.Mode == OpenSearchAuthenticationMode.SigV4;
        _maxRequestBytes = options.MaxBulkRequestSizeInMBs * 1024L * 1024;
    }

    public string DestinationType => "opensearch";

    /// <summary>
    /// Sends every request of the batch and returns the documents not indexed. Throws only
    /// <see cref="OperationCanceledException"/> (shutdown, lost lease): a cancelled batch is not failed, it is read again.
    /// </summary>
    public async Task<BatchWriteResult> WriteAsync(DeliveryBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        (List<BulkDocument> documents, List<FailedRecord> failed) = Prepare(batch);
        int next = 0;
        int request = 0;
        while (next < documents.Count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var delivery = new BulkDelivery(BulkRequest.Encode(batch, documents, next, _maxRequestBytes, _options.TypeName, _streams));
            try
            {
                next += delivery.Documents.Count;
                await DeliverAsync(batch, request++, delivery, failed, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                delivery.Abandon();
            }
        }

        return failed.Count == 0 ? BatchWriteResult.Delivered : new BatchWriteResult(failed);
    }

    /// <summary>Every record as a document (its index and id), and the records that cannot be one (empty ones) as failed.</summary>
    private (List<BulkDocument> Documents, List<FailedRecord> Failed) Prepare(DeliveryBatch batch)
    {
        string[]? ids = _options.DocumentIdFormat == OpenSearchDocumentIds.Deterministic ? OpenSearchDocumentId.For(batch) : null;
        var documents = new List<BulkDocument>(batch.Records.Count);
        var failed = new List<FailedRecord>();
        DateTime period = default;
        string? index = null;
        for (int i = 0; i < batch.Records.Count; i++)
        {
            SourceRecord record = batch.Records[i];
            DateTime start = OpenSearchIndexNames.PeriodStart(_options.IndexRotationPeriod, record.ApproximateArrivalTimestamp);
            if (index is null || start != period)
            {
                (period, index) = (start, OpenSearchIndexNames.For(_options.IndexName, _options.IndexRotationPeriod, record.ApproximateArrivalTimestamp));
            }

            var document = new BulkDocument(i, index, ids?[i]);

            // An empty source line would make the whole request invalid (every document of it refused), not this one.
            if (record.Data.Span.Trim(" \t\r\n"u8).IsEmpty)
            {
                failed.Add(Failed(document, AttemptOutcome.Permanent("OpenSearch.EmptyDocument", "the record is empty or only whitespace: it cannot be a document."), 0));
                continue;
            }

            documents.Add(document);
        }

        return (documents, failed);
    }

    private async Task DeliverAsync(DeliveryBatch batch, int request, BulkDelivery delivery, List<FailedRecord> failed, CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        RetriedOutcome result = await _retry.ExecuteAsync(
            static (state, token) => state.Writer.AttemptAsync(state.Batch, state.Delivery, token), (Writer: this, Batch: batch, Delivery: delivery), cancellationToken).ConfigureAwait(false);
        foreach ((int document, AttemptOutcome error) in delivery.Refused)
        {
            failed.Add(Failed(delivery.Documents[document], error, delivery.AttemptsOf(document)));
        }

        if (!result.Outcome.Succeeded)
        {
            foreach (int document in delivery.Pending)
            {
                AttemptOutcome last = delivery.LastErrorOf(document);
                failed.Add(Failed(delivery.Documents[document], last.ErrorCode is null or "" ? result.Outcome : last, delivery.AttemptsOf(document)));
            }
        }

        int givenUp = delivery.Refused.Count + (result.Outcome.Succeeded ? 0 : delivery.Pending.Count);
        Log.RequestDone(_logger, request, batch.Id, _endpoint.SafeUrl, delivery.Documents.Count - givenUp, delivery.Documents.Count, delivery.BodyBytes, result.AttemptsMade, _time.GetElapsedTime(started).TotalMilliseconds);
        if (givenUp > 0)
        {
            AttemptOutcome first = delivery.Refused.Count > 0 ? delivery.Refused[0].Error : delivery.LastErrorOf(delivery.Pending[0]);
            first = first.ErrorCode is null or "" ? result.Outcome : first;
            Log.DocumentsGivenUp(_logger, givenUp, delivery.Documents.Count, request, batch.Id, _endpoint.SafeUrl, result.AttemptsMade, first.ErrorCode, first.ErrorMessage);
        }
    }

    private async ValueTask<AttemptOutcome> AttemptAsync(DeliveryBatch batch, BulkDelivery delivery, CancellationToken cancellationToken)
    {
        using BulkRequest body = delivery.NextBody(documents => BulkRequest.Encode(batch, documents, 0, long.MaxValue, _options.TypeName, _streams));
        AttemptOutcome outcome;
        bool answeredPerDocument = false;
        try
        {
            string hash = _signed ? body.PayloadHash() : SigV4Signer.UnsignedPayload;
            int limit = BaseResponseBytes + (ResponseBytesPerDocument * body.Documents.Count);
            (HttpStatusCode status, byte[]? answer) = await _endpoint.PostAsync(body.Body, hash, limit, cancellationToken).ConfigureAwait(false);
            (outcome, answeredPerDocument) = Interpret(delivery, body.Documents.Count, status, answer);
        }
        catch (TimeoutException exception)
        {
            outcome = AttemptOutcome.Retryable("OpenSearch.RequestTimeout", exception.Message);
        }
        catch (HttpRequestException exception)
        {
            outcome = AttemptOutcome.Retryable(
                exception.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError
                    ? "OpenSearch.ConnectionFailed"
                    : "OpenSearch.ConnectionReset",
                $"{exception.HttpRequestError}: {exception.Message}");
        }
        catch (Exception exception) when (exception is IOException or SocketException)
        {
            outcome = AttemptOutcome.Retryable("OpenSearch.ConnectionReset", exception.Message);
        }

        if (!outcome.Succeeded && !answeredPerDocument)
        {
            // No document was answered on its own: every one sent shares the request's refusal.
            delivery.RequestFailed(outcome);
            Log.AttemptFailed(_logger, _endpoint.SafeUrl, batch.Id, body.Documents.Count, outcome.Status, outcome.ErrorCode, outcome.ErrorMessage);
        }

        return outcome;
    }

    private (AttemptOutcome Outcome, bool PerDocument) Interpret(BulkDelivery delivery, int sent, HttpStatusCode status, byte[]? answer)
    {
        if (answer is null)
        {
            return (AttemptOutcome.Retryable("OpenSearch.ResponseTooLarge", $"status {(int)status}: the response is longer than expected for {sent} documents."), false);
        }

        if (status != HttpStatusCode.OK)
        {
            return (OpenSearchErrors.ForRequest(status, answer), false);
        }

        BulkItemResult[]? items = BulkResponse.Parse(answer, sent, out string problem);
        if (items is null)
        {
            // What was indexed is unknown; sending the same documents again under the same ids is safe.
            return (AttemptOutcome.Retryable("OpenSearch.InvalidResponse", "status 200, but " + problem), false);
        }

        (int retrying, AttemptOutcome first) = delivery.Apply(items);
        if (retrying == 0)
        {
            return (AttemptOutcome.Success, true);
        }

        Log.DocumentsRetrying(_logger, retrying, sent, _endpoint.SafeUrl, first.ErrorCode, first.ErrorMessage);
        return (AttemptOutcome.Retryable(first.ErrorCode, $"{retrying} of {sent} documents refused for now; the first: {first.ErrorMessage}"), true);
    }

    private FailedRecord Failed(BulkDocument document, AttemptOutcome error, int attempts)
    {
        var fields = new List<KeyValuePair<string, string>>(3) { new("esIndexName", document.Index) };
        if (document.Id is not null)
        {
            fields.Add(new("esDocumentId", document.Id));
        }

        if (_options.TypeName is not null)
        {
            fields.Add(new("esTypeName", _options.TypeName));
        }

        return new FailedRecord(document.RecordIndex, error.ErrorCode, error.ErrorMessage, ErrorOutputTypes.OpenSearchFailed, attempts, DestinationFields: fields);
    }
}
