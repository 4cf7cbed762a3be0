using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Delivery.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Delivery.IntegrationTests.Destinations.Splunk;

/// <summary>What the collector does with a data request that is well formed and authorised.</summary>
internal enum HecAction
{
    /// <summary>Index it and answer Success with an ackId, acknowledged once <see cref="HecReceiver.AckDelay"/> passed.</summary>
    Accept,

    /// <summary>Answer 503 <c>{"text":"Server is busy","code":9}</c>; nothing is indexed.</summary>
    Busy,

    /// <summary>Index it and answer with an ackId that is never reported true (an indexer lost it).</summary>
    LoseAck,

    /// <summary>Index it, then drop the connection before answering: the client never learns the ackId.</summary>
    ResetAfterIndexing,
}

/// <summary>One request the collector saw.</summary>
internal sealed record HecRequest(string Path, string? Authorization, string? Channel, string? Cookie, byte[] Body);

/// <summary>Events one data request put into the index, under the ackId the collector gave it.</summary>
internal sealed record IndexedRequest(string Channel, long AckId, IReadOnlyList<string> Events);

/// <summary>
/// Splunk's HTTP Event Collector with indexer acknowledgement, on a local Kestrel server (127.0.0.1, a free port),
/// written from Splunk's published request and response formats ("Format events for HTTP Event Collector", "About HTTP
/// Event Collector Indexer Acknowledgment", the status code table of "Troubleshoot HTTP Event Collector"), since no
/// Splunk can run here. It checks the token (<c>Authorization: Splunk &lt;token&gt;</c>) and the channel
/// (<c>X-Splunk-Request-Channel</c>, a GUID), reads the raw endpoint line by line and the event endpoint as HEC event
/// objects (refusing the whole request, with <c>invalid-event-number</c>, for one event it cannot index), numbers
/// ackIds per channel from 0, and answers <c>/services/collector/ack</c> with <c>{"acks":{"id":bool}}</c>, reporting
/// an ackId true once and then forgetting it, as HEC does. What was indexed and what was acknowledged to the client
/// are kept apart, so a test can tell delivered from merely sent.
/// </summary>
internal sealed class HecReceiver : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, ChannelState> _channels = new(StringComparer.Ordinal);
    private int _dataRequests;

    private LocalHttpServer _server = null!;

    private HecReceiver(string token)
    {
        Token = token;
    }

    public string Token { get; }

    /// <summary>The indexes the token may write to; an event naming another is refused with code 7.</summary>
    public HashSet<string> AllowedIndexes { get; } = new(StringComparer.Ordinal) { "main" };

    /// <summary>What to do with data request <c>n</c> (1-based, counted over all channels) that passed the checks.</summary>
    public Func<int, HecAction> Behaviour { get; set; } = _ => HecAction.Accept;

    /// <summary>How long after it is indexed an ackId is reported true.</summary>
    public TimeSpan AckDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>While true, every ackId is reported false (indexing is slow), whatever <see cref="AckDelay"/> says.</summary>
    public bool HoldAcks { get; set; }

    public Uri Url => _server.Address;

    public ConcurrentQueue<HecRequest> Requests { get; } = new();

    /// <summary>Every request indexed, acknowledged or not: what a search in Splunk would find.</summary>
    public ConcurrentQueue<IndexedRequest> Indexed { get; } = new();

    /// <summary>The requests whose ackId was reported true in an answer the client received: what it may count as delivered.</summary>
    public ConcurrentQueue<IndexedRequest> Acknowledged { get; } = new();

    public IEnumerable<HecRequest> DataRequests => Requests.Where(request => request.Path != "/services/collector/ack");

    public static async Task<HecReceiver> StartAsync(string token)
    {
        var receiver = new HecReceiver(token);
        receiver._server = await LocalHttpServer.StartAsync(app => app.Map("/{**path}", receiver.HandleAsync));
        return receiver;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        string path = context.Request.Path.Value ?? "";
        string? authorization = context.Request.Headers.Authorization.FirstOrDefault();
        string? channel = context.Request.Headers["X-Splunk-Request-Channel"].FirstOrDefault();
        Requests.Enqueue(new HecRequest(path, authorization, channel, context.Request.Headers.Cookie.FirstOrDefault(), buffer.ToArray()));
        if (context.Request.Method != HttpMethods.Post)
        {
            await AnswerAsync(context, 404, """{"text":"The requested URL was not found on this server.","code":404}""");
            return;
        }

        if (AuthorizationProblem(authorization) is { } refused)
        {
            await AnswerAsync(context, refused.Status, refused.Body);
            return;
        }

        if (channel is null)
        {
            await AnswerAsync(context, 400, """{"text":"Data channel is missing","code":10}""");
            return;
        }

        if (!Guid.TryParse(channel, out _))
        {
            await AnswerAsync(context, 400, """{"text":"Invalid data channel","code":11}""");
            return;
        }

        switch (path)
        {
            case "/services/collector/ack":
                (string answer, List<IndexedRequest> reported) = Acks(channel, buffer.ToArray());
                await AnswerAsync(context, 200, answer);
                await context.Response.CompleteAsync();

                // An answer the client gave up waiting for acknowledged nothing to it (HEC has forgotten the ackIds all the same).
                if (!context.RequestAborted.IsCancellationRequested)
                {
                    reported.ForEach(Acknowledged.Enqueue);
                }

                break;
            case "/services/collector/raw":
                await DataAsync(context, channel, buffer.ToArray(), RawEvents);
                break;
            case "/services/collector/event" or "/services/collector" or "/services/collector/event/1.0":
                await DataAsync(context, channel, buffer.ToArray(), JsonEvents);
                break;
            default:
                await AnswerAsync(context, 404, """{"text":"The requested URL was not found on this server.","code":404}""");
                break;
        }
    }

    private (int Status, string Body)? AuthorizationProblem(string? authorization)
    {
        if (authorization is null)
        {
            return (401, """{"text":"Token is required","code":2}""");
        }

        if (!authorization.StartsWith("Splunk ", StringComparison.Ordinal))
        {
            return (401, """{"text":"Invalid authorization","code":3}""");
        }

        return authorization["Splunk ".Length..] == Token ? null : (403, """{"text":"Invalid token","code":4}""");
    }

    private async Task DataAsync(HttpContext context, string channel, byte[] body, Func<byte[], (List<string> Events, string? Refusal)> read)
    {
        (List<string> events, string? refusal) = read(body);
        if (refusal is not null)
        {
            await AnswerAsync(context, 400, refusal);
            return;
        }

        HecAction action = Behaviour(Interlocked.Increment(ref _dataRequests));
        if (action == HecAction.Busy)
        {
            await AnswerAsync(context, 503, """{"text":"Server is busy","code":9}""");
            return;
        }

        long ackId;
        lock (_gate)
        {
            ChannelState state = _channels.TryGetValue(channel, out ChannelState? known) ? known : _channels[channel] = new ChannelState();
            ackId = state.NextAckId++;
            state.Pending[ackId] = new PendingAck(events, action == HecAction.LoseAck ? DateTimeOffset.MaxValue : DateTimeOffset.UtcNow + AckDelay);
        }

        Indexed.Enqueue(new IndexedRequest(channel, ackId, events));
        if (action == HecAction.ResetAfterIndexing)
        {
            context.Abort();
            return;
        }

        await AnswerAsync(context, 200, $$"""{"text":"Success","code":0,"ackId":{{ackId}}}""");
    }

    // {"acks":[0,1]} answered {"acks":{"0":true,"1":false}}; an ackId reported true is forgotten, as HEC forgets it.
    private (string Answer, List<IndexedRequest> Reported) Acks(string channel, byte[] body)
    {
        var reported = new List<IndexedRequest>();
        List<long> asked;
        try
        {
            using JsonDocument query = JsonDocument.Parse(body);
            asked = [.. query.RootElement.GetProperty("acks").EnumerateArray().Select(id => id.GetInt64())];
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return ("""{"text":"Invalid data format","code":6}""", reported);
        }

        var answer = new StringBuilder("{\"acks\":{");
        lock (_gate)
        {
            _channels.TryGetValue(channel, out ChannelState? state);
            foreach (long ackId in asked)
            {
                bool indexed = false;
                if (!HoldAcks && state is not null && state.Pending.TryGetValue(ackId, out PendingAck? pending) && pending.ReadyAt <= DateTimeOffset.UtcNow)
                {
                    indexed = true;
                    state.Pending.Remove(ackId);
                    reported.Add(new IndexedRequest(channel, ackId, pending.Events));
                }

                answer.Append(answer[^1] == '{' ? "" : ",").Append('"').Append(ackId.ToString(CultureInfo.InvariantCulture)).Append("\":").Append(indexed ? "true" : "false");
            }
        }

        return (answer.Append("}}").ToString(), reported);
    }

    // The raw endpoint breaks events at line ends (the default line breaking of a source type without its own).
    private static (List<string>, string?) RawEvents(byte[] body)
    {
        List<string> lines = [.. Encoding.UTF8.GetString(body).Split('\n').Where(line => line.Length > 0)];
        return lines.Count == 0 ? ([], """{"text":"No data","code":5}""") : (lines, null);
    }

    // HEC event objects one after another: each needs an "event" (not null, not ""), a numeric "time" if any, an
    // "index" the token may write to if any. The first event that fails refuses the whole request, by its number.
    private (List<string>, string?) JsonEvents(byte[] body)
    {
        if (body.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return ([], """{"text":"No data","code":5}""");
        }

        var events = new List<string>();
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowMultipleValues = true });
        try
        {
            while (reader.Read())
            {
                using JsonDocument document = JsonDocument.ParseValue(ref reader);
                JsonElement root = document.RootElement;
                if (EventProblem(root) is { } problem)
                {
                    return ([], $$"""{"text":"{{problem.Text}}","code":{{problem.Code}},"invalid-event-number":{{events.Count}}}""");
                }

                events.Add(root.GetProperty("event").GetRawText());
            }
        }
        catch (JsonException)
        {
            return ([], $$"""{"text":"Invalid data format","code":6,"invalid-event-number":{{events.Count}}}""");
        }

        return (events, null);
    }

    private (string Text, int Code)? EventProblem(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return ("Invalid data format", 6);
        }

        if (!root.TryGetProperty("event", out JsonElement value))
        {
            return ("Event field is required", 12);
        }

        if (value.ValueKind == JsonValueKind.Null || (value.ValueKind == JsonValueKind.String && value.GetString()!.Length == 0))
        {
            return ("Event field cannot be blank", 13);
        }

        if (root.TryGetProperty("time", out JsonElement time) && time.ValueKind != JsonValueKind.Number
            && !(time.ValueKind == JsonValueKind.String && double.TryParse(time.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
        {
            return ("Invalid data format", 6);
        }

        return root.TryGetProperty("index", out JsonElement index) && !AllowedIndexes.Contains(index.GetString() ?? "") ? ("Incorrect index", 7) : null;
    }

    private static async Task AnswerAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=UTF-8";
        await context.Response.WriteAsync(body, context.RequestAborted);
    }

    private sealed class ChannelState
    {
        public long NextAckId { get; set; }

        public Dictionary<long, PendingAck> Pending { get; } = [];
    }

    private sealed record PendingAck(IReadOnlyList<string> Events, DateTimeOffset ReadyAt);
}
