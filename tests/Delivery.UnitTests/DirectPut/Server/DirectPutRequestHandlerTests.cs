using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Delivery.Aws.Signing;
using Delivery.DirectPut;
using Delivery.DirectPut.Authentication;
using Delivery.DirectPut.Ingest;
using Delivery.DirectPut.Server;
using Delivery.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.UnitTests.DirectPut.Server;

/// <summary>
/// A request as it arrives over HTTP: a bad or missing signature is Firehose's 400 with nothing stored, never a 200;
/// a signed request is served; and a request over the concurrency limit is refused before its body is read.
/// </summary>
public sealed class DirectPutRequestHandlerTests
{
    private const string AccessKeyId = "AKIDDIRECTPUT0001";
    private const string Secret = "direct-put-secret";
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Body = """{"DeliveryStreamName":"clicks","Records":[{"Data":"aGVsbG8="}]}"""u8.ToArray();
    private readonly FakeKinesisLog _kinesis = new();
    private readonly FakeTimeProvider _time = new(Now);

    [Fact]
    public async Task ASignedRequest_IsServed_WithFirehosesContentTypeAndARequestId()
    {
        using DirectPutRequestHandler handler = Handler(SigV4());
        DefaultHttpContext context = Request(Secret, Now);

        await handler.HandleAsync(context);

        context.Response.StatusCode.ShouldBe(200, ResponseText(context));
        context.Response.ContentType.ShouldBe("application/x-amz-json-1.1");
        context.Response.Headers["x-amzn-RequestId"].ToString().ShouldNotBeEmpty();
        _kinesis.Stored.Single().Data.ShouldBe("hello"u8.ToArray());
    }

    [Theory]
    [InlineData("wrong-secret", 0, "InvalidSignatureException")]
    [InlineData(Secret, -6, "InvalidSignatureException")]
    [InlineData(null, 0, "MissingAuthenticationTokenException")]
    public async Task ARequestThatIsNotProperlySigned_IsRefusedWithFirehosesError_AndStoresNothing(string? secret, int minutesOld, string errorType)
    {
        using DirectPutRequestHandler handler = Handler(SigV4());
        DefaultHttpContext context = Request(secret, Now.AddMinutes(minutesOld));

        await handler.HandleAsync(context);

        context.Response.StatusCode.ShouldBe(400);
        JsonElement error = JsonDocument.Parse(ResponseText(context)).RootElement;
        error.GetProperty("__type").GetString().ShouldBe(errorType);
        error.GetProperty("message").GetString().ShouldNotBeNullOrEmpty();
        context.Response.Headers["x-amzn-ErrorType"].ToString().ShouldBe(errorType);
        _kinesis.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task ARequestSignedByAnUnknownKey_IsAnUnrecognizedClient()
    {
        using DirectPutRequestHandler handler = Handler(RequestAuthenticator.SigV4("eu-west-1", new Dictionary<string, string> { ["AKIDSOMEBODYELSE1"] = Secret }));
        DefaultHttpContext context = Request(Secret, Now);

        await handler.HandleAsync(context);

        context.Response.StatusCode.ShouldBe(400);
        ResponseText(context).ShouldContain("UnrecognizedClientException");
        _kinesis.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task WithoutAuthentication_AnUnsignedRequestIsServed()
    {
        using DirectPutRequestHandler handler = Handler(RequestAuthenticator.Unauthenticated);
        DefaultHttpContext context = Request(secret: null, Now);

        await handler.HandleAsync(context);

        context.Response.StatusCode.ShouldBe(200, ResponseText(context));
        _kinesis.Stored.Count.ShouldBe(1);
    }

    [Fact]
    public async Task AnUnknownTarget_OrAMethodOtherThanPost_IsAnUnknownOperation()
    {
        using DirectPutRequestHandler handler = Handler(RequestAuthenticator.Unauthenticated);
        DefaultHttpContext unknown = Request(secret: null, Now, target: "Firehose_20150804.CreateDeliveryStream");
        DefaultHttpContext get = Request(secret: null, Now);
        get.Request.Method = "GET";

        await handler.HandleAsync(unknown);
        await handler.HandleAsync(get);

        unknown.Response.StatusCode.ShouldBe(400);
        ResponseText(unknown).ShouldContain("UnknownOperationException");
        get.Response.StatusCode.ShouldBe(400);
        ResponseText(get).ShouldContain("UnknownOperationException");
        _kinesis.Calls.ShouldBeEmpty();
    }

    [Fact]
    public async Task ABodyLargerThanAnyValidCall_IsRefusedUnread()
    {
        using DirectPutRequestHandler handler = Handler(RequestAuthenticator.Unauthenticated);
        DefaultHttpContext context = Request(secret: null, Now);
        context.Request.Body = new MemoryStream(new byte[8 * 1024 * 1024 + 1]);
        context.Request.ContentLength = null;

        await handler.HandleAsync(context);

        context.Response.StatusCode.ShouldBe(400);
        ResponseText(context).ShouldContain("InvalidArgumentException");
    }

    [Fact]
    public async Task ARequestBeyondTheConcurrencyLimit_IsAServiceUnavailableError_WhichSdksRetry()
    {
        var blocked = new TaskCompletionSource();
        var gate = new BlockingKinesis(_kinesis, blocked.Task);
        using var handler = new DirectPutRequestHandler(Api(gate), RequestAuthenticator.Unauthenticated, maxConcurrentRequests: 1, _time, NullLogger<DirectPutRequestHandler>.Instance);
        DefaultHttpContext first = Request(secret: null, Now);
        DefaultHttpContext second = Request(secret: null, Now);

        Task firstDone = handler.HandleAsync(first);
        await gate.Entered.Task;
        await handler.HandleAsync(second);
        blocked.SetResult();
        await firstDone;

        second.Response.StatusCode.ShouldBe(500);
        ResponseText(second).ShouldContain("ServiceUnavailableException");
        first.Response.StatusCode.ShouldBe(200);
        _kinesis.Stored.Count.ShouldBe(1);
    }

    private static RequestAuthenticator SigV4() => RequestAuthenticator.SigV4("eu-west-1", new Dictionary<string, string> { [AccessKeyId] = Secret });

    private DirectPutRequestHandler Handler(RequestAuthenticator authenticator) =>
        new(Api(_kinesis), authenticator, maxConcurrentRequests: 4, _time, NullLogger<DirectPutRequestHandler>.Instance);

    private FirehoseApi Api(Delivery.Kinesis.Client.IKinesisClient kinesis) =>
        new([new DeliveryStreamEntry("clicks", "eu-west-1", "123456789012", _kinesis.StreamName, true, new DestinationSummary(DestinationKind.S3, 5, 300))],
            new Dictionary<string, bool>(), new DirectPutLog(kinesis, NullLogger<DirectPutLog>.Instance), _time);

    /// <summary>A request as a client sends it: signed with <paramref name="secret"/> at <paramref name="signedAt"/> (unsigned when null).</summary>
    private static DefaultHttpContext Request(string? secret, DateTimeOffset signedAt, string target = "Firehose_20150804.PutRecordBatch")
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:8081/") { Content = new ByteArrayContent(Body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        message.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        _ = message.Content.Headers.ContentLength;
        if (secret is not null)
        {
            new SigV4Signer("eu-west-1", "firehose").Sign(message, new ImmutableCredentials(AccessKeyId, secret, null), signedAt, SigV4Signer.HashPayload(Body));
        }

        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Path = "/";
        context.Request.Headers.Host = "127.0.0.1:8081";
        foreach ((string name, IEnumerable<string> values) in message.Headers.Concat(message.Content.Headers))
        {
            context.Request.Headers[name] = values.ToArray();
        }

        context.Request.Body = new MemoryStream(Body);
        context.Response.Body = new MemoryStream();
        return context;
    }

    private static string ResponseText(HttpContext context) => Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());

    /// <summary>Holds PutRecords until released, so a second request arrives while the first is in flight.</summary>
    private sealed class BlockingKinesis(FakeKinesisLog inner, Task release) : Delivery.Kinesis.Client.IKinesisClient
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<Delivery.Kinesis.Client.PutRecordsResponse> PutRecordsAsync(Delivery.Kinesis.Client.PutRecordsRequest request, CancellationToken cancellationToken = default)
        {
            Entered.TrySetResult();
            await release;
            return await inner.PutRecordsAsync(request, cancellationToken);
        }

        public Task<Delivery.Kinesis.Client.DescribeStreamSummaryResponse> DescribeStreamSummaryAsync(Delivery.Kinesis.Client.DescribeStreamSummaryRequest request, CancellationToken cancellationToken = default) => inner.DescribeStreamSummaryAsync(request, cancellationToken);

        public Task<Delivery.Kinesis.Client.ListShardsResponse> ListShardsAsync(Delivery.Kinesis.Client.ListShardsRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Delivery.Kinesis.Client.GetShardIteratorResponse> GetShardIteratorAsync(Delivery.Kinesis.Client.GetShardIteratorRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Delivery.Kinesis.Client.GetRecordsResponse> GetRecordsAsync(Delivery.Kinesis.Client.GetRecordsRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Delivery.Kinesis.Client.CreateStreamResponse> CreateStreamAsync(Delivery.Kinesis.Client.CreateStreamRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
