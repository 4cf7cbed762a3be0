using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Delivery.UnitTests.Kinesis.Client;

/// <summary>Answers Kinesis calls from a script of responders and records what was sent.</summary>
internal sealed class FakeKinesisHandler : HttpMessageHandler
{
    private readonly ConcurrentQueue<Func<SentRequest, CancellationToken, Task<HttpResponseMessage>>> _script = new();
    private readonly ConcurrentQueue<SentRequest> _sent = new();

    public IReadOnlyList<SentRequest> Sent => [.. _sent];

    public FakeKinesisHandler Respond(Func<SentRequest, CancellationToken, Task<HttpResponseMessage>> responder)
    {
        _script.Enqueue(responder);
        return this;
    }

    public FakeKinesisHandler RespondJson(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        Respond((_, _) => Task.FromResult(Json(json, status)));

    public FakeKinesisHandler RespondError(string type, string message, HttpStatusCode status = HttpStatusCode.BadRequest) =>
        RespondJson(JsonSerializer.Serialize(new Dictionary<string, string> { ["__type"] = type, ["message"] = message }), status);

    public static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/x-amz-json-1.1") };

    /// <summary>Waits (in real time, briefly) until the client has sent <paramref name="count"/> requests.</summary>
    public async Task WaitForRequestsAsync(int count)
    {
        for (int i = 0; i < 500 && _sent.Count < count; i++)
        {
            await Task.Delay(10);
        }

        _sent.Count.ShouldBeGreaterThanOrEqualTo(count);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var sent = new SentRequest(
            request.Method,
            request.RequestUri!,
            request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase),
            request.Content?.Headers.ContentType?.ToString(),
            body);
        _sent.Enqueue(sent);
        if (!_script.TryDequeue(out var responder))
        {
            throw new InvalidOperationException($"No scripted answer for request {_sent.Count}: {sent.Target}");
        }

        return await responder(sent, cancellationToken);
    }
}

internal sealed record SentRequest(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, string? ContentType, string Body)
{
    public string Target => Headers.TryGetValue("X-Amz-Target", out string? target) ? target : "";

    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}
