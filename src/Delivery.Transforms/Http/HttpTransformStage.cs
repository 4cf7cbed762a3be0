using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using Delivery.Transforms.Contract;
using Delivery.Transforms.Processing;
using Microsoft.Extensions.Logging;

namespace Delivery.Transforms.Http;

/// <summary>
/// A Firehose-contract transform served over HTTP, typically a sidecar container in the same ECS task: each invocation
/// POSTs the same event JSON a Lambda would receive and reads the same response. Any status other than 2xx, a timeout,
/// a broken connection, an unreadable or oversized body fails the invocation, which is retried.
/// </summary>
public sealed class HttpTransformStage : InvocationStage, IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttpClient;
    private readonly Uri _url;
    private readonly IReadOnlyDictionary<string, string> _headers;
    private readonly long _maxResponseBytes;

    /// <param name="url">Where events are POSTed.</param>
    /// <param name="headers">Extra request headers, such as an authorization token.</param>
    /// <param name="maxResponseBytes">The largest response body read.</param>
    /// <param name="stageId">Distinguishes this stage's invocation ids from another stage's.</param>
    /// <param name="settings">Sizing, retries and timeout.</param>
    /// <param name="httpClient">The client to send with, or null for one of the stage's own (disposed with it).</param>
    /// <param name="timeProvider">Times attempts and backoff.</param>
    /// <param name="logger">Receives retries and failures.</param>
    public HttpTransformStage(
        Uri url,
        IReadOnlyDictionary<string, string>? headers,
        long maxResponseBytes,
        string stageId,
        InvocationSettings settings,
        HttpClient? httpClient,
        TimeProvider timeProvider,
        ILogger<HttpTransformStage> logger)
        : base(DisplayName(url), stageId, settings, timeProvider, logger)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxResponseBytes, 1);
        _url = url;
        _headers = headers ?? new Dictionary<string, string>();
        _maxResponseBytes = maxResponseBytes;
        _ownsHttpClient = httpClient is null;
        _http = httpClient ?? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    protected override string TimeoutErrorCode => TransformErrorCodes.HttpTimeout;

    protected override string UnexpectedErrorCode => TransformErrorCodes.HttpNetworkError;

    public void Dispose()
    {
        if (_ownsHttpClient)
        {
            _http.Dispose();
        }
    }

    protected override async Task<IReadOnlyList<TransformReply>> InvokeOnceAsync(ProcessingRun run, string invocationId, IReadOnlyList<ChainRecord> records, CancellationToken cancellationToken)
    {
        using var payload = new PooledBufferWriter(EstimateEventBytes(run, records));
        FirehoseEventWriter.Write(payload, invocationId, run, records);
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ReadOnlyMemoryContent(payload.WrittenMemory) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach ((string name, string value) in _headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        try
        {
            using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                int status = (int)response.StatusCode;
                throw new TransformInvocationException(
                    TransformErrorCodes.HttpStatusPrefix + status.ToString(CultureInfo.InvariantCulture),
                    $"{Name} answered {status} {response.ReasonPhrase}.");
            }

            using PooledBufferWriter body = await BoundedBody.ReadAsync(response.Content, _maxResponseBytes, TooLarge, cancellationToken).ConfigureAwait(false);
            return FirehoseResponseReader.Read(body.WrittenSpan);
        }
        catch (HttpRequestException ex)
        {
            throw new TransformInvocationException(TransformErrorCodes.HttpNetworkError, $"{Name} could not be reached: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new TransformInvocationException(TransformErrorCodes.HttpNetworkError, $"The connection to {Name} failed: {ex.Message}", ex);
        }
    }

    // The user info and the query string may carry a token; logs and backup records name the endpoint without them.
    private static string DisplayName(Uri url) => url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);

    private TransformInvocationException TooLarge(long bytes) =>
        new(TransformErrorCodes.HttpResponseTooLarge, $"The response of {Name} has at least {bytes} bytes, more than MaxResponseBytes ({_maxResponseBytes}).");
}
