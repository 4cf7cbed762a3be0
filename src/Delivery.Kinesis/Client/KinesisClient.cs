using System.ComponentModel.DataAnnotations;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon.Runtime;
using Delivery.Aws.Signing;
using Delivery.Pages;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Delivery.Kinesis.Client;

/// <summary>
/// <see cref="IKinesisClient"/> over the Kinesis JSON 1.1 protocol, signed with SigV4. It is the single retry layer
/// for its calls: throttling, 5xx, network failures and attempt timeouts are retried with exponential backoff and
/// jitter; everything else surfaces at once.
/// </summary>
public sealed class KinesisClient : IKinesisClient, IRecordPageSource, IDisposable
{
    /// <summary>The SigV4 signing name of Kinesis.</summary>
    public const string SigningName = "kinesis";

    private const string TargetPrefix = "Kinesis_20131202.";
    private const string ContentType = "application/x-amz-json-1.1";

    private readonly HttpClient _httpClient;
    private readonly bool _ownsHttpClient;
    private readonly TimeSpan _attemptTimeout;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline _pipeline;

    /// <summary>
    /// Creates a client over an <see cref="HttpClient"/> whose handler chain already signs requests (see
    /// <see cref="SigV4SigningHandler"/>). The caller keeps ownership of <paramref name="httpClient"/>.
    /// </summary>
    public KinesisClient(HttpClient httpClient, KinesisClientOptions options, TimeProvider timeProvider, ILogger<KinesisClient> logger)
        : this(httpClient, ownsHttpClient: false, options, timeProvider, logger)
    {
    }

    private KinesisClient(HttpClient httpClient, bool ownsHttpClient, KinesisClientOptions options, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);

        _httpClient = httpClient;
        _ownsHttpClient = ownsHttpClient;
        _attemptTimeout = options.AttemptTimeout;
        _timeProvider = timeProvider;
        _logger = logger;
        Endpoint = options.ResolveEndpoint();
        _pipeline = BuildPipeline(options, timeProvider, logger);
    }

    /// <summary>Where requests are sent.</summary>
    public Uri Endpoint { get; }

    /// <summary>
    /// Creates a client with its own connection pool and signing handler. The client owns the <see cref="HttpClient"/>
    /// and disposes it.
    /// </summary>
    public static KinesisClient Create(KinesisClientOptions options, AWSCredentials credentials, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);

        // Recycling pooled connections picks up DNS changes of the regional endpoint; the attempt timeout replaces
        // HttpClient's own.
        var transport = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var signing = new SigV4SigningHandler(credentials, new SigV4Signer(options.Region, SigningName), timeProvider, transport);
        var httpClient = new HttpClient(signing, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        return new KinesisClient(httpClient, ownsHttpClient: true, options, timeProvider, loggerFactory.CreateLogger<KinesisClient>());
    }

    /// <inheritdoc />
    public Task<DescribeStreamSummaryResponse> DescribeStreamSummaryAsync(DescribeStreamSummaryRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync("DescribeStreamSummary", request, KinesisJsonContext.Default.DescribeStreamSummaryRequest,
            KinesisJsonContext.Default.DescribeStreamSummaryResponse, request?.StreamName ?? request?.StreamARN, cancellationToken);

    /// <inheritdoc />
    public Task<ListShardsResponse> ListShardsAsync(ListShardsRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync("ListShards", request, KinesisJsonContext.Default.ListShardsRequest,
            KinesisJsonContext.Default.ListShardsResponse, request?.StreamName ?? request?.StreamARN, cancellationToken);

    /// <inheritdoc />
    public Task<GetShardIteratorResponse> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync("GetShardIterator", request, KinesisJsonContext.Default.GetShardIteratorRequest,
            KinesisJsonContext.Default.GetShardIteratorResponse, request?.StreamName ?? request?.StreamARN, cancellationToken);

    /// <inheritdoc />
    public Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync("GetRecords", request, KinesisJsonContext.Default.GetRecordsRequest,
            KinesisJsonContext.Default.GetRecordsResponse, streamName: null, cancellationToken);

    /// <inheritdoc />
    public Task<RecordPageResponse> GetRecordPageAsync(GetRecordsRequest request, string shardId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shardId);
        return InvokeAsync("GetRecords", request, KinesisJsonContext.Default.GetRecordsRequest, body => GetRecordsPageParser.Parse(body, shardId), streamName: null, cancellationToken);
    }

    /// <inheritdoc />
    public Task<PutRecordsResponse> PutRecordsAsync(PutRecordsRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync("PutRecords", request, KinesisJsonContext.Default.PutRecordsRequest,
            KinesisJsonContext.Default.PutRecordsResponse, request?.StreamName ?? request?.StreamARN, cancellationToken);

    /// <inheritdoc />
    public Task<CreateStreamResponse> CreateStreamAsync(CreateStreamRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync("CreateStream", request, KinesisJsonContext.Default.CreateStreamRequest,
            KinesisJsonContext.Default.CreateStreamResponse, request?.StreamName, cancellationToken);

    /// <summary>
    /// Splits a shard in two at <see cref="SplitShardRequest.NewStartingHashKey"/> (resharding tooling and tests; the
    /// worker never reshards, so this is not on <see cref="IKinesisClient"/>).
    /// </summary>
    public Task<SplitShardResponse> SplitShardAsync(SplitShardRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync("SplitShard", request, KinesisJsonContext.Default.SplitShardRequest,
            KinesisJsonContext.Default.SplitShardResponse, request?.StreamName, cancellationToken);

    /// <summary>Merges two adjacent shards into one (resharding tooling and tests).</summary>
    public Task<MergeShardsResponse> MergeShardsAsync(MergeShardsRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync("MergeShards", request, KinesisJsonContext.Default.MergeShardsRequest,
            KinesisJsonContext.Default.MergeShardsResponse, request?.StreamName, cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttpClient)
        {
            _httpClient.Dispose();
        }
    }

    private static ResiliencePipeline BuildPipeline(KinesisClientOptions options, TimeProvider timeProvider, ILogger logger)
    {
        if (options.MaxRetries == 0)
        {
            return ResiliencePipeline.Empty;
        }

        return new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is { } e && KinesisErrors.IsRetriedByClient(e)),
                OnRetry = args =>
                {
                    var failure = (AmazonKinesisException)args.Outcome.Exception!;
                    string operation = args.Context.OperationKey ?? "call";
                    if (failure is ProvisionedThroughputExceededException or LimitExceededException)
                    {
                        Log.Throttled(logger, operation, failure.ErrorCode, args.AttemptNumber + 1, args.RetryDelay);
                    }
                    else
                    {
                        Log.Retrying(logger, operation, failure.ErrorCode, args.AttemptNumber + 1, args.RetryDelay, failure);
                    }

                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    private Task<TResponse> InvokeAsync<TRequest, TResponse>(
        string operation,
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType,
        string? streamName,
        CancellationToken cancellationToken)
        where TResponse : new() =>
        InvokeAsync(
            operation,
            request,
            requestType,
            body => body.IsEmpty ? new TResponse() : JsonSerializer.Deserialize(body, responseType) ?? new TResponse(),
            streamName,
            cancellationToken);

    private async Task<TResponse> InvokeAsync<TRequest, TResponse>(
        string operation,
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        ResponseParser<TResponse> parse,
        string? streamName,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // Serialized and hashed once; every attempt re-sends the same bytes with a fresh signature.
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(request, requestType);
        var call = new Call<TResponse>(this, operation, body, SigV4Signer.HashPayload(body), parse, streamName);

        ResilienceContext context = ResilienceContextPool.Shared.Get(operation, cancellationToken);
        try
        {
            return await _pipeline.ExecuteAsync(
                static (ctx, state) => state.Client.SendOnceAsync(state, ctx.CancellationToken),
                context,
                call).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async ValueTask<TResponse> SendOnceAsync<TResponse>(Call<TResponse> call, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_attemptTimeout, _timeProvider);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using HttpRequestMessage message = CreateMessage(call);
        try
        {
            using HttpResponseMessage response = await _httpClient
                .SendAsync(message, HttpCompletionOption.ResponseHeadersRead, attempt.Token).ConfigureAwait(false);
            // GetRecords answers reach ~14 MB: read them into native memory that goes back at once (the reader has
            // taken room in the memory budget for it), not into arrays a pool would keep.
            using var body = new NativeBuffer(response.Content.Headers.ContentLength is > 0 and < int.MaxValue and var declared ? (int)declared + 1 : 16 * 1024);
            await ReadBodyAsync(response.Content, body, attempt.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                string? errorType = response.Headers.TryGetValues("x-amzn-ErrorType", out IEnumerable<string>? values) ? values.FirstOrDefault() : null;
                throw KinesisErrors.FromResponse(call.Operation, response.StatusCode, body.Written, errorType, call.StreamName);
            }

            // CreateStream answers with an empty body.
            return call.Parse(body.Written);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Only the attempt timeout or HttpClient.Timeout gets here; the caller's cancellation propagates untouched.
            throw KinesisErrors.Timeout(call.Operation, _attemptTimeout, ex);
        }
        catch (HttpRequestException ex)
        {
            throw KinesisErrors.Network(call.Operation, Endpoint, ex);
        }
        catch (IOException ex)
        {
            throw KinesisErrors.Network(call.Operation, Endpoint, ex);
        }
        catch (JsonException ex)
        {
            throw KinesisErrors.InvalidResponse(call.Operation, ex);
        }
    }

    private HttpRequestMessage CreateMessage<TResponse>(Call<TResponse> call)
    {
        var content = new ByteArrayContent(call.Body);
        content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
        var message = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = content };
        message.Headers.TryAddWithoutValidation("X-Amz-Target", TargetPrefix + call.Operation);
        message.Options.Set(SigV4SigningHandler.PayloadHashOption, call.PayloadHash);
        return message;
    }

    /// <summary>Reads the whole body into <paramref name="body"/>.</summary>
    private static async Task ReadBodyAsync(HttpContent content, NativeBuffer body, CancellationToken cancellationToken)
    {
        Stream stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            while (true)
            {
                int read = await stream.ReadAsync(body.FreeSpace(), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                body.Advance(read);
            }
        }
    }

    /// <summary>Turns a successful answer's body into the response.</summary>
    private delegate TResponse ResponseParser<TResponse>(ReadOnlySpan<byte> body);

    private sealed record Call<TResponse>(
        KinesisClient Client,
        string Operation,
        byte[] Body,
        string PayloadHash,
        ResponseParser<TResponse> Parse,
        string? StreamName);
}
