using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Delivery.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Delivery.IntegrationTests.Destinations.OpenSearch;

/// <summary>One action of a bulk request as the receiver read it.</summary>
internal sealed record BulkAction(string Action, string Index, string? Id, string? Type, string Source, int Attempt);

/// <summary>What the receiver does with a whole request, before looking at its documents.</summary>
internal enum WholeReply
{
    /// <summary>Index the documents and answer each one.</summary>
    Items,

    /// <summary>429 with OpenSearch's rejected-execution error: nothing is indexed.</summary>
    TooManyRequests,

    /// <summary>503 with a no-cluster-manager error: nothing is indexed.</summary>
    Unavailable,
}

/// <summary>
/// A stand-in for an OpenSearch cluster's <c>_bulk</c> API on a local Kestrel server (127.0.0.1, a free port), written
/// from OpenSearch's published bulk API reference since no cluster can run here: POST <c>/_bulk</c> with an NDJSON
/// body, an action line (<c>index</c>, <c>create</c>, <c>update</c>, <c>delete</c>, naming <c>_index</c> and
/// optionally <c>_id</c>) followed by the document for all but <c>delete</c>, every line ending with <c>\n</c>. It
/// answers <c>{"took","errors","items":[{"index":{"_index","_id","_version","result","_shards","_seq_no",
/// "_primary_term","status"}}]}</c>, one item per action in order, a refused item carrying
/// <c>"error":{"type","reason"}</c> and its own status; a request it cannot parse (no body, a bad action line, a
/// missing final newline) gets 400 with <c>{"error":{"root_cause":[..],"type","reason"},"status":400}</c>, and a whole
/// request refused for load gets 429 in the same shape. An <c>index</c> action with an id replaces the document
/// (<c>result</c> "updated", status 200, the version counting up), as OpenSearch does; without one the receiver
/// makes an id up. A document that is not a JSON object is refused with <c>mapper_parsing_exception</c>, as a cluster
/// refuses it. The index is kept in memory, so tests can see what a cluster would hold.
/// </summary>
internal sealed class BulkReceiver : IAsyncDisposable
{
    private readonly ConcurrentDictionary<(string Index, string Id), StoredDocument> _documents = new();
    private readonly ConcurrentDictionary<string, int> _attemptsByDocument = new(StringComparer.Ordinal);
    private LocalHttpServer? _server;
    private int _requests;
    private long _sequence;

    public Uri Url => _server!.Address;

    /// <summary>How the <c>n</c>th request (1-based) is answered as a whole.</summary>
    public Func<int, WholeReply> Whole { get; set; } = _ => WholeReply.Items;

    /// <summary>
    /// The status of one document (200 or 201 to index it; 429, 503, 400... to refuse it with the matching error),
    /// given the action and how many times a document of that id or source has been sent, this time included.
    /// </summary>
    public Func<BulkAction, int?> ItemStatus { get; set; } = _ => null;

    /// <summary>The user and password basic auth must carry, or null to ask for none.</summary>
    public (string User, string Password)? RequiredCredentials { get; set; }

    /// <summary>Every action of every request, in arrival order.</summary>
    public ConcurrentQueue<BulkAction> Received { get; } = new();

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>What the index holds: each stored document with how many times it was written (its _version).</summary>
    public IReadOnlyDictionary<(string Index, string Id), StoredDocument> Documents => _documents;

    public static async Task<BulkReceiver> StartAsync()
    {
        var receiver = new BulkReceiver();
        receiver._server = await LocalHttpServer.StartAsync(routes => routes.Map("{**path}", receiver.HandleAsync));
        return receiver;
    }

    public ValueTask DisposeAsync() => _server?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path != "/_bulk" || (context.Request.Method != "POST" && context.Request.Method != "PUT"))
        {
            await ErrorAsync(context, 405, "illegal_argument_exception", $"Incorrect HTTP method for uri [{context.Request.Path}] and method [{context.Request.Method}]");
            return;
        }

        if (RequiredCredentials is { } credentials && !Authorized(context.Request, credentials))
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"OpenSearch Security\"";
            await ErrorAsync(context, 401, "security_exception", "missing authentication credentials for REST request [/_bulk]");
            return;
        }

        using var raw = new MemoryStream();
        await context.Request.Body.CopyToAsync(raw);
        int request = Interlocked.Increment(ref _requests);
        if (raw.Length == 0)
        {
            await ErrorAsync(context, 400, "parse_exception", "request body is required");
            return;
        }

        string contentType = context.Request.ContentType ?? "";
        if (!contentType.StartsWith("application/x-ndjson", StringComparison.Ordinal) && !contentType.StartsWith("application/json", StringComparison.Ordinal))
        {
            await ErrorAsync(context, 406, "illegal_argument_exception", $"Content-Type header [{context.Request.ContentType}] is not supported");
            return;
        }

        (List<BulkAction>? actions, string? problem) = Parse(raw.ToArray());
        if (actions is null)
        {
            await ErrorAsync(context, 400, "illegal_argument_exception", problem!);
            return;
        }

        foreach (BulkAction action in actions)
        {
            Received.Enqueue(action);
        }

        switch (Whole(request))
        {
            case WholeReply.TooManyRequests:
                await ErrorAsync(context, 429, "rejected_execution_exception", "rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=1, max_coordinating_and_primary_bytes=0]");
                return;
            case WholeReply.Unavailable:
                await ErrorAsync(context, 503, "cluster_manager_not_discovered_exception", "no cluster-manager node is known");
                return;
        }

        await WriteItemsAsync(context, actions);
    }

    private async Task WriteItemsAsync(HttpContext context, List<BulkAction> actions)
    {
        // OpenSearch writes took, errors, then items; every action is applied before the answer is written.
        ItemResult[] results = [.. actions.Select(Apply)];
        using var body = new MemoryStream();
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteNumber("took", 3);
            json.WriteBoolean("errors", results.Any(result => result.Error is not null));
            json.WriteStartArray("items");
            foreach (ItemResult result in results)
            {
                WriteItem(json, result);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json; charset=UTF-8";
        await context.Response.Body.WriteAsync(body.ToArray());
    }

    private ItemResult Apply(BulkAction action)
    {
        string id = action.Id ?? Guid.NewGuid().ToString("N")[..20];
        int status = ItemStatus(action) ?? (IsJsonObject(action.Source) ? 201 : 400);
        if (status is 200 or 201)
        {
            StoredDocument stored = _documents.AddOrUpdate(
                (action.Index, id),
                _ => new StoredDocument(action.Source, 1),
                (_, previous) => new StoredDocument(action.Source, previous.Version + 1));
            return new ItemResult(action, id, stored.Version == 1 ? 201 : 200, stored.Version, Interlocked.Increment(ref _sequence) - 1, null);
        }

        (string type, string reason) = status switch
        {
            429 => ("rejected_execution_exception", "rejected execution of primary operation [shard_detail=[" + action.Index + "][0]]"),
            503 => ("unavailable_shards_exception", $"[{action.Index}][0] primary shard is not active Timeout: [1m]"),
            _ => ("mapper_parsing_exception", $"failed to parse field [n] of type [long] in document with id '{id}'. Preview of field's value: 'x'"),
        };
        return new ItemResult(action, id, status, 0, 0, (type, reason));
    }

    private static void WriteItem(Utf8JsonWriter json, ItemResult result)
    {
        json.WriteStartObject();
        json.WriteStartObject(result.Action.Action);
        json.WriteString("_index", result.Action.Index);
        json.WriteString("_id", result.Id);
        if (result.Error is { } error)
        {
            json.WriteNumber("status", result.Status);
            json.WriteStartObject("error");
            json.WriteString("type", error.Type);
            json.WriteString("reason", error.Reason);
            json.WriteString("index", result.Action.Index);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNumber("_version", result.Version);
            json.WriteString("result", result.Version == 1 ? "created" : "updated");
            json.WriteStartObject("_shards");
            json.WriteNumber("total", 2);
            json.WriteNumber("successful", 1);
            json.WriteNumber("failed", 0);
            json.WriteEndObject();
            json.WriteNumber("_seq_no", result.SequenceNumber);
            json.WriteNumber("_primary_term", 1);
            json.WriteNumber("status", result.Status);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private (List<BulkAction>? Actions, string? Problem) Parse(byte[] body)
    {
        if (body[^1] != (byte)'\n')
        {
            return (null, "The bulk request must be terminated by a newline [\\n]");
        }

        string[] lines = Encoding.UTF8.GetString(body, 0, body.Length - 1).Split('\n');
        var actions = new List<BulkAction>();
        for (int i = 0; i < lines.Length; i++)
        {
            string name;
            string? index;
            string? id;
            string? type;
            try
            {
                using JsonDocument line = JsonDocument.Parse(lines[i]);
                JsonProperty action = line.RootElement.EnumerateObject().Single();
                name = action.Name;
                index = action.Value.TryGetProperty("_index", out JsonElement at) ? at.GetString() : null;
                id = action.Value.TryGetProperty("_id", out JsonElement named) ? named.GetString() : null;
                type = action.Value.TryGetProperty("_type", out JsonElement typed) ? typed.GetString() : null;
            }
            catch (Exception exception) when (exception is JsonException or InvalidOperationException)
            {
                return (null, $"Malformed action/metadata line [{i + 1}], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]");
            }

            if (name is not ("index" or "create" or "update" or "delete"))
            {
                return (null, $"Malformed action/metadata line [{i + 1}], expected field [create], [delete], [index] or [update] but found [{name}]");
            }

            if (index is null)
            {
                return (null, "Validation Failed: 1: index is missing;");
            }

            string source = "";
            if (name != "delete")
            {
                if (++i >= lines.Length)
                {
                    return (null, $"The bulk request must be terminated by a newline [\\n]");
                }

                source = lines[i];
            }

            string key = id ?? source;
            actions.Add(new BulkAction(name, index, id, type, source, _attemptsByDocument.AddOrUpdate(key, 1, (_, n) => n + 1)));
        }

        return (actions, null);
    }

    private static bool IsJsonObject(string source)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(source);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool Authorized(HttpRequest request, (string User, string Password) credentials)
    {
        string header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return false;
        }

        string pair = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..]));
        return pair == $"{credentials.User}:{credentials.Password}";
    }

    private static async Task ErrorAsync(HttpContext context, int status, string type, string reason)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=UTF-8";
        string body = JsonSerializer.Serialize(new
        {
            error = new { root_cause = new[] { new { type, reason } }, type, reason },
            status,
        });
        await context.Response.WriteAsync(body);
    }
}

/// <summary>A document as the receiver's index holds it, and how many times it was written (its _version).</summary>
internal sealed record StoredDocument(string Source, int Version);

/// <summary>What became of one action: indexed (its version and sequence number) or refused with an error.</summary>
internal sealed record ItemResult(BulkAction Action, string Id, int Status, int Version, long SequenceNumber, (string Type, string Reason)? Error);
