using System.Net;
using System.Text;
using System.Text.Json;

namespace Delivery.UnitTests.Destinations.OpenSearch;

/// <summary>One document of a bulk request as the fake cluster read it.</summary>
internal sealed record SentDocument(string Index, string? Id, string? Type, string Source);

/// <summary>One bulk request as the fake cluster read it.</summary>
internal sealed record SentRequest(int Number, HttpRequestMessage Message, IReadOnlyList<SentDocument> Documents, long BodyBytes);

/// <summary>
/// A fake cluster for unit tests: it reads each bulk body as NDJSON pairs and answers what the test's script says, a
/// whole-request status or one status per document, in the shape of a real bulk response. The integration tests use
/// a real HTTP receiver; this one runs inside the client, under a fake clock.
/// </summary>
internal sealed class ScriptedCluster(Func<SentRequest, ScriptedAnswer> script) : HttpMessageHandler
{
    private readonly List<SentRequest> _requests = [];

    public IReadOnlyList<SentRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        byte[] body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var documents = new List<SentDocument>();
        string[] lines = Encoding.UTF8.GetString(body).Split('\n');
        for (int i = 0; i + 1 < lines.Length; i += 2)
        {
            using JsonDocument action = JsonDocument.Parse(lines[i]);
            JsonElement index = action.RootElement.GetProperty("index");
            documents.Add(new SentDocument(
                index.GetProperty("_index").GetString()!,
                index.TryGetProperty("_id", out JsonElement id) ? id.GetString() : null,
                index.TryGetProperty("_type", out JsonElement type) ? type.GetString() : null,
                lines[i + 1]));
        }

        SentRequest sent;
        lock (_requests)
        {
            sent = new SentRequest(_requests.Count + 1, request, documents, body.Length);
            _requests.Add(sent);
        }

        ScriptedAnswer answer = script(sent);
        if (answer.Throw is { } exception)
        {
            throw exception;
        }

        if (answer.Delay > TimeSpan.Zero)
        {
            await Task.Delay(answer.Delay, cancellationToken);
        }

        string json = answer.Body ?? Items(documents, answer.ItemStatus!);
        return new HttpResponseMessage((HttpStatusCode)answer.Status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
    }

    private static string Items(List<SentDocument> documents, Func<SentDocument, int> status)
    {
        var items = documents.Select(document => (Document: document, Status: status(document))).ToList();
        return JsonSerializer.Serialize(new
        {
            took = 3,
            errors = items.Any(item => item.Status >= 300),
            items = items.Select(item => new Dictionary<string, object>
            {
                ["index"] = item.Status < 300
                    ? (object)new { _index = item.Document.Index, _id = item.Document.Id ?? "generated", _version = 1, result = "created", status = item.Status }
                    : new { _index = item.Document.Index, _id = item.Document.Id ?? "generated", status = item.Status, error = Error(item.Status) },
            }),
        });
    }

    private static object Error(int status) => status switch
    {
        429 => new { type = "rejected_execution_exception", reason = "rejected execution of coordinating operation" },
        400 => new { type = "mapper_parsing_exception", reason = "failed to parse field [n] of type [long]" },
        _ => new { type = "unavailable_shards_exception", reason = "primary shard is not active" },
    };
}

/// <summary>What the fake cluster answers a request: a whole status and body, a status per document, or an exception.</summary>
internal sealed record ScriptedAnswer(int Status, string? Body = null, Func<SentDocument, int>? ItemStatus = null, Exception? Throw = null, TimeSpan Delay = default)
{
    public static ScriptedAnswer AllIndexed { get; } = PerDocument(_ => 201);

    public static ScriptedAnswer PerDocument(Func<SentDocument, int> status) => new(200, ItemStatus: status);

    public static ScriptedAnswer Whole(int status, string body = """{"error":{"type":"cluster_manager_not_discovered_exception","reason":"no leader"},"status":503}""") => new(status, body);
}
