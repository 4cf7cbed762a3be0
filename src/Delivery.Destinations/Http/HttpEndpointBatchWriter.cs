using System.Net.Http.Headers;
using System.Text.Json;
using Delivery.Destinations.Retrying;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IO;

namespace Delivery.Destinations.Http;

/// <summary>
/// Delivers a batch to an HTTP endpoint with the Firehose HTTP endpoint protocol. A batch is sent as one request, or
/// several when it holds more than 10,000 records or 64 MiB. Each request keeps one request id, derived from the batch's
/// source positions, across its attempts and across restarts. Only a 200 whose body echoes the request id counts as
/// delivered. A 413 is permanent. Any other status, a timeout or a connection error is retried with
/// <see cref="RetryBackoff"/> until <see cref="HttpEndpointOptions.RetryDurationSeconds"/> runs out. The records of a
/// request that is not delivered by then are returned as failed with the error output type <c>http-endpoint-failed</c>,
/// and the pipeline writes them to the backup bucket.
/// </summary>
public sealed class HttpEndpointBatchWriter : IBatchWriter
{
    public const string ProtocolVersion = "1.0";

    /// <summary>Firehose reads at most 1 MiB of a response body; a longer one is a failed attempt.</summary>
    public const int MaxResponseBytes = 1024 * 1024;

    private static readonly RecyclableMemoryStreamManager SharedStreams = new(new RecyclableMemoryStreamManager.Options
    {
        // Keeps up to this many idle bytes of blocks for the next request; a burst beyond it goes back to the GC.
        MaximumSmallPoolFreeBytes = 256L * 1024 * 1024,
    });

    private readonly HttpEndpointOptions _options;
    private readonly HttpClient _client;
    private readonly string _sourceArn;
    private readonly string? _commonAttributes;
    private readonly Uri _url;
    private readonly bool _gzip;
    private readonly string _safeUrl;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly RecyclableMemoryStreamManager _streams;
    private readonly RetryDurationPolicy _retry;

    /// <summary>Creates the writer of one pipeline.</summary>
    /// <param name="options">The pipeline's settings; validated here too, so a bad one throws <see cref="OptionsValidationException"/>.</param>
    /// <param name="client">Sends the requests; its own timeout is not used (each attempt has <see cref="HttpEndpointOptions.RequestTimeoutSeconds"/>).</param>
    /// <param name="sourceArn">The <c>X-Amz-Firehose-Source-Arn</c> value.</param>
    /// <param name="logger">Receives a warning per failed attempt and an error per request given up; never the access key.</param>
    /// <param name="timeProvider">Request timestamps, timeouts and retry waits; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="streamManager">Pool the bodies are encoded into.</param>
    /// <param name="unitRandom">Jitter source in [0, 1), for tests; default <see cref="Random.Shared"/>.</param>
    public HttpEndpointBatchWriter(
        HttpEndpointOptions options,
        HttpClient client,
        string sourceArn,
        ILogger<HttpEndpointBatchWriter> logger,
        TimeProvider? timeProvider = null,
        RecyclableMemoryStreamManager? streamManager = null,
        Func<double>? unitRandom = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(sourceArn);
        ArgumentNullException.ThrowIfNull(logger);
        ValidateOptionsResult validation = new HttpEndpointOptionsValidator().Validate(Options.DefaultName, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(HttpEndpointOptions), validation.Failures);
        }

        _options = options;
        _client = client;
        _sourceArn = sourceArn;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _streams = streamManager ?? SharedStreams;
        _url = options.EndpointUrl()!;
        _gzip = options.EffectiveContentEncoding() == HttpContentEncoding.Gzip;
        _safeUrl = HttpEndpointRequest.SafeUrl(_url);
        _commonAttributes = options.CommonAttributes.Count == 0
            ? null
            : JsonSerializer.Serialize(new Dictionary<string, Dictionary<string, string>> { ["commonAttributes"] = options.CommonAttributes });
        _retry = new RetryDurationPolicy(TimeSpan.FromSeconds(options.RetryDurationSeconds), _time, unitRandom);
    }

    public string DestinationType => "http_endpoint";

    /// <summary>
    /// Sends every request of the batch and returns the records of those not delivered within the retry duration. Throws
    /// only <see cref="OperationCanceledException"/> (shutdown, lost lease): a cancelled batch is not failed, it is read again.
    /// </summary>
    public async Task<BatchWriteResult> WriteAsync(DeliveryBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        List<(int Start, int Count)> slices = HttpEndpointRequest.Slices(batch);
        List<FailedRecord>? failed = null;
        for (int slice = 0; slice < slices.Count; slice++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            (int start, int count) = slices[slice];
            string requestId = HttpEndpointRequest.RequestIdFor(batch, slice, slices.Count);
            long started = _time.GetTimestamp();
            using HttpEndpointRequest request = HttpEndpointRequest.Encode(
                batch, start, count, requestId, _time.GetUtcNow().ToUnixTimeMilliseconds(), _gzip, _streams);
            RetriedOutcome result = await _retry.ExecuteAsync(
                static (state, token) => state.Writer.SendOnceAsync(state.Request, token), (Writer: this, Request: request), cancellationToken).ConfigureAwait(false);
            if (result.Outcome.Succeeded)
            {
                Log.RequestDelivered(_logger, _safeUrl, requestId, batch.Id, count, request.Body.Length, result.AttemptsMade, _time.GetElapsedTime(started).TotalMilliseconds);
                continue;
            }

            Log.RequestGivenUp(_logger, _safeUrl, requestId, batch.Id, count, result.AttemptsMade, result.Outcome.Status, result.Outcome.ErrorCode, result.Outcome.ErrorMessage);
            failed ??= new List<FailedRecord>(count);
            for (int i = start; i < start + count; i++)
            {
                failed.Add(new FailedRecord(i, result.Outcome.ErrorCode, result.Outcome.ErrorMessage, ErrorOutputTypes.HttpEndpointFailed, result.AttemptsMade));
            }
        }

        return failed is null ? BatchWriteResult.Delivered : new BatchWriteResult(failed);
    }

    private async ValueTask<AttemptOutcome> SendOnceAsync(HttpEndpointRequest request, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(_options.RequestTimeoutSeconds), _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using HttpRequestMessage message = CreateMessage(request);
        AttemptOutcome outcome;
        try
        {
            using HttpResponseMessage response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            byte[]? body = await HttpEndpointResponse.ReadLimitedAsync(response.Content, MaxResponseBytes, linked.Token).ConfigureAwait(false);
            outcome = HttpEndpointResponse.Interpret(response.StatusCode, body, request.RequestId);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            outcome = AttemptOutcome.Retryable("HttpEndpoint.RequestTimeout", $"no complete response within {_options.RequestTimeoutSeconds} s.");
        }
        catch (HttpRequestException exception)
        {
            outcome = AttemptOutcome.Retryable(
                exception.HttpRequestError == HttpRequestError.ConnectionError ? "HttpEndpoint.ConnectionFailed" : "HttpEndpoint.ConnectionReset",
                $"{exception.HttpRequestError}: {exception.Message}");
        }
        catch (IOException exception)
        {
            outcome = AttemptOutcome.Retryable("HttpEndpoint.ConnectionReset", exception.Message);
        }

        if (!outcome.Succeeded)
        {
            Log.AttemptFailed(_logger, _safeUrl, request.RequestId, outcome.Status, outcome.ErrorCode, outcome.ErrorMessage);
        }

        return outcome;
    }

    private HttpRequestMessage CreateMessage(HttpEndpointRequest request)
    {
        var content = new PooledBodyContent(request.Body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (_gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        var message = new HttpRequestMessage(HttpMethod.Post, _url) { Content = content };
        HttpRequestHeaders headers = message.Headers;
        headers.TryAddWithoutValidation("X-Amz-Firehose-Protocol-Version", ProtocolVersion);
        headers.TryAddWithoutValidation("X-Amz-Firehose-Request-Id", request.RequestId);
        headers.TryAddWithoutValidation("X-Amz-Firehose-Source-Arn", _sourceArn);
        if (!string.IsNullOrEmpty(_options.AccessKey))
        {
            headers.TryAddWithoutValidation("X-Amz-Firehose-Access-Key", _options.AccessKey);
        }

        if (_commonAttributes is not null)
        {
            headers.TryAddWithoutValidation("X-Amz-Firehose-Common-Attributes", _commonAttributes);
        }

        return message;
    }
}
