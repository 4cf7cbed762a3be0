using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Delivery.IntegrationTests.Destinations.Http;

/// <summary>What the receiver does with one attempt.</summary>
internal sealed record Reply(int Status = 200, string? Body = null, bool EchoRequestId = true, bool Reset = false, TimeSpan Delay = default)
{
    public static Reply Ok { get; } = new();

    public static Reply WithStatus(int status, string message) => new(status, JsonSerializer.Serialize(new { errorMessage = message }), EchoRequestId: false);

    public static Reply ConnectionReset { get; } = new(Reset: true);

    public static Reply WrongRequestId { get; } = new(Body: "{\"requestId\":\"00000000-0000-0000-0000-000000000000\",\"timestamp\":1}", EchoRequestId: false);

    public static Reply Slow(TimeSpan delay) => new(Delay: delay);
}

/// <summary>One request as the receiver saw it, decoded the way a Firehose receiver decodes it.</summary>
internal sealed record ReceivedRequest(
    string Method,
    string PathAndQuery,
    IReadOnlyDictionary<string, string> Headers,
    long BodyBytes,
    string? BodyRequestId,
    long BodyTimestamp,
    IReadOnlyList<byte[]> Records,
    IReadOnlyList<string> BodyProperties)
{
    public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;

    public string RequestId => Header("X-Amz-Firehose-Request-Id") ?? "";
}

/// <summary>
/// A Firehose HTTP endpoint receiver on a local Kestrel server (127.0.0.1, a free port). It records every attempt,
/// answers as <see cref="Behaviour"/> says, and keeps the requests it accepted (a 200 echoing the request id that
/// reached the client) apart, so tests can tell delivered from merely attempted.
/// </summary>
internal sealed class FirehoseReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _attemptsById = new(StringComparer.Ordinal);

    private FirehoseReceiver(WebApplication app)
    {
        _app = app;
    }

    /// <summary>Answers attempt <c>n</c> (1-based, counted per request id) of a request.</summary>
    public Func<ReceivedRequest, int, Reply> Behaviour { get; set; } = (_, _) => Reply.Ok;

    public ConcurrentQueue<ReceivedRequest> Attempts { get; } = new();

    public ConcurrentQueue<ReceivedRequest> Accepted { get; } = new();

    public Uri Url { get; private set; } = null!;

    public static async Task<FirehoseReceiver> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Limits.MaxRequestBodySize = null;
        });
        WebApplication app = builder.Build();
        var receiver = new FirehoseReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(address.TrimEnd('/') + "/v1/firehose?tenant=t1");
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        ReceivedRequest request = await ReadAsync(context.Request);
        Attempts.Enqueue(request);
        int attempt = _attemptsById.AddOrUpdate(request.RequestId, 1, (_, n) => n + 1);
        Reply reply = Behaviour(request, attempt);
        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (reply.Reset)
        {
            context.Abort();
            return;
        }

        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = "application/json";
        string body = reply.EchoRequestId
            ? JsonSerializer.Serialize(new { requestId = request.BodyRequestId, timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() })
            : reply.Body ?? "";
        await context.Response.WriteAsync(body, context.RequestAborted);
        await context.Response.CompleteAsync();
        if (reply.Status == 200 && reply.EchoRequestId && !context.RequestAborted.IsCancellationRequested)
        {
            Accepted.Enqueue(request);
        }
    }

    private static async Task<ReceivedRequest> ReadAsync(HttpRequest request)
    {
        using var raw = new MemoryStream();
        await request.Body.CopyToAsync(raw);
        byte[] body = raw.ToArray();
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        byte[] json = headers.TryGetValue("Content-Encoding", out string? encoding) && encoding == "gzip" ? Gunzip(body) : body;
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement root = document.RootElement;
        var records = root.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("data").GetBytesFromBase64()).ToList();
        return new ReceivedRequest(
            request.Method,
            request.Path + request.QueryString,
            headers,
            body.Length,
            root.GetProperty("requestId").GetString(),
            root.GetProperty("timestamp").GetInt64(),
            records,
            [.. root.EnumerateObject().Select(p => p.Name)]);
    }

    private static byte[] Gunzip(byte[] body)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(new MemoryStream(body), CompressionMode.Decompress))
        {
            gzip.CopyTo(output);
        }

        return output.ToArray();
    }
}
