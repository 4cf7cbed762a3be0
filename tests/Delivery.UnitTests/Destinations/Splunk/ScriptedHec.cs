using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Delivery.UnitTests.Destinations.Splunk;

/// <summary>What the scripted collector answers one data request: accept it (with an ackId that turns true after some queries, or never) or refuse it.</summary>
internal sealed record HecReply(int Status, string Body, int? AckTrueAfterQueries)
{
    /// <summary>Accepted; the ackId is reported true on the n-th query for it (null: never).</summary>
    public static HecReply Accept(int? trueAfterQueries = 1) => new(200, "", trueAfterQueries);

    public static HecReply AcceptWithoutAck { get; } = new(200, """{"text":"Success","code":0}""", null);

    public static HecReply Refuse(int status, int code, string text, int? invalidEvent = null) =>
        new(status, invalidEvent is { } n ? $$"""{"text":"{{text}}","code":{{code}},"invalid-event-number":{{n}}}""" : $$"""{"text":"{{text}}","code":{{code}}}""", null);
}

/// <summary>One request the scripted collector saw, stamped with the fake clock.</summary>
internal sealed record HecCall(string Path, DateTimeOffset At, string? Authorization, string? Channel, string? Cookie, byte[] Body);

/// <summary>
/// An in-memory HTTP Event Collector for unit tests: it answers the n-th data request as <see cref="Reply"/> says,
/// numbers ackIds per channel from 0, and answers acknowledgement queries.
/// </summary>
internal sealed class ScriptedHec(TimeProvider time) : HttpMessageHandler
{
    private readonly Dictionary<long, (int Queries, int? TrueAfter)> _pending = [];
    private long _nextAckId;
    private int _dataRequests;

    public Func<int, byte[], HecReply> Reply { get; set; } = (_, _) => HecReply.Accept();

    /// <summary>A cookie set on every data answer, as a load balancer's stickiness cookie.</summary>
    public string? StickyCookie { get; set; }

    /// <summary>Answers acknowledgement queries with this instead (status, body), when set.</summary>
    public (int Status, string Body)? AckAnswer { get; set; }

    public List<HecCall> Calls { get; } = [];

    public IEnumerable<HecCall> DataCalls => Calls.Where(call => call.Path != "/services/collector/ack");

    public IEnumerable<HecCall> AckCalls => Calls.Where(call => call.Path == "/services/collector/ack");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // Answer on another thread, as a real handler does, so the tests' clock steps race real calls in flight.
        await Task.Yield();
        byte[] body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        string path = request.RequestUri!.AbsolutePath;
        Calls.Add(new HecCall(path, time.GetUtcNow(), Header(request, "Authorization"), Header(request, "X-Splunk-Request-Channel"), Header(request, "Cookie"), body));
        return path == "/services/collector/ack" ? Ack(body) : Data(body);
    }

    private HttpResponseMessage Data(byte[] body)
    {
        HecReply reply = Reply(++_dataRequests, body);
        if (reply.Status != 200 || reply.Body.Length > 0)
        {
            return Answer(reply.Status, reply.Body);
        }

        long ackId = _nextAckId++;
        _pending[ackId] = (0, reply.AckTrueAfterQueries);
        HttpResponseMessage response = Answer(200, $$"""{"text":"Success","code":0,"ackId":{{ackId}}}""");
        if (StickyCookie is { } cookie)
        {
            response.Headers.Add("Set-Cookie", cookie + "; Path=/");
        }

        return response;
    }

    private HttpResponseMessage Ack(byte[] body)
    {
        if (AckAnswer is { } answer)
        {
            return Answer(answer.Status, answer.Body);
        }

        using JsonDocument query = JsonDocument.Parse(body);
        var acks = new Dictionary<string, bool>();
        foreach (JsonElement id in query.RootElement.GetProperty("acks").EnumerateArray())
        {
            long ackId = id.GetInt64();
            bool indexed = false;
            if (_pending.TryGetValue(ackId, out (int Queries, int? TrueAfter) state))
            {
                state.Queries++;
                indexed = state.TrueAfter is { } after && state.Queries >= after;
                _pending[ackId] = state;
                if (indexed)
                {
                    // HEC reports an ackId true once, then forgets it.
                    _pending.Remove(ackId);
                }
            }

            acks[ackId.ToString(CultureInfo.InvariantCulture)] = indexed;
        }

        return Answer(200, JsonSerializer.Serialize(new { acks }));
    }

    private static HttpResponseMessage Answer(int status, string body) =>
        new((HttpStatusCode)status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static string? Header(HttpRequestMessage request, string name) =>
        request.Headers.TryGetValues(name, out IEnumerable<string>? values) ? string.Join(",", values) : null;
}
