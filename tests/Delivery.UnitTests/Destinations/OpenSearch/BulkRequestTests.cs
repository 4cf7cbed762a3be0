using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Delivery.Destinations.OpenSearch;
using Microsoft.IO;

namespace Delivery.UnitTests.Destinations.OpenSearch;

public sealed class BulkRequestTests
{
    private static readonly RecyclableMemoryStreamManager Streams = new();

    [Fact]
    public void ABody_IsAnIndexActionLine_ThenTheRecordsLine_ForEachDocument_EndingInANewline()
    {
        DeliveryBatch batch = Batch(["{\"a\":1}", "{\"b\":\"two\"}"]);
        BulkDocument[] documents = [new(0, "logs-2026-03-04", "id-0"), new(1, "logs-2026-03-04", "id-1")];

        using BulkRequest request = BulkRequest.Encode(batch, documents, 0, long.MaxValue, typeName: null, Streams);

        Text(request).ShouldBe(
            "{\"index\":{\"_index\":\"logs-2026-03-04\",\"_id\":\"id-0\"}}\n{\"a\":1}\n" +
            "{\"index\":{\"_index\":\"logs-2026-03-04\",\"_id\":\"id-1\"}}\n{\"b\":\"two\"}\n");
        request.Documents.ShouldBe(documents);
    }

    [Fact]
    public void ATypeName_IsSentAsType_AndNoId_LeavesTheIdOut()
    {
        using BulkRequest request = BulkRequest.Encode(Batch(["{}"]), [new BulkDocument(0, "logs", null)], 0, long.MaxValue, "_doc", Streams);

        Text(request).ShouldBe("{\"index\":{\"_index\":\"logs\",\"_type\":\"_doc\"}}\n{}\n");
    }

    [Fact]
    public void NewlinesInsideARecord_BecomeSpaces_SoItCannotAddAnActionOfItsOwn()
    {
        // A pretty-printed record, and one that tries to smuggle a delete action onto a line of its own.
        DeliveryBatch batch = Batch(["{\n  \"a\": 1\n}", "{\"x\":1}\n{\"delete\":{\"_index\":\"logs\",\"_id\":\"victim\"}}\n"]);

        using BulkRequest request = BulkRequest.Encode(batch, [new(0, "logs", "1"), new(1, "logs", "2")], 0, long.MaxValue, null, Streams);

        string[] lines = Text(request).Split('\n');
        lines.Length.ShouldBe(5, "two documents are four lines, and the body ends with a newline");
        lines[1].ShouldBe("{   \"a\": 1 }");
        lines[3].ShouldBe("{\"x\":1} {\"delete\":{\"_index\":\"logs\",\"_id\":\"victim\"}} ");
        using JsonDocument pretty = JsonDocument.Parse(lines[1]);
        pretty.RootElement.GetProperty("a").GetInt32().ShouldBe(1, "JSON means the same with spaces for newlines");
    }

    [Fact]
    public void ABatch_IsCutIntoBodiesOfAtMostTheLimit_InOrder_AndAnOversizedDocumentGoesAlone()
    {
        string[] records = [.. Enumerable.Range(0, 40).Select(i => $"{{\"n\":{i},\"pad\":\"{new string('p', i == 17 ? 5000 : 200)}\"}}")];
        DeliveryBatch batch = Batch(records);
        BulkDocument[] documents = [.. records.Select((_, i) => new BulkDocument(i, "logs", "id-" + i.ToString(CultureInfo.InvariantCulture)))];
        const int Limit = 2048;

        var sent = new List<int>();
        int next = 0;
        while (next < documents.Length)
        {
            using BulkRequest request = BulkRequest.Encode(batch, documents, next, Limit, null, Streams);
            (request.Body.Length <= Limit || request.Documents.Count == 1).ShouldBeTrue($"a body of {request.Body.Length} bytes holds {request.Documents.Count} documents");
            int following = next + request.Documents.Count;
            if (following < documents.Length)
            {
                // A limit of one byte encodes the next document alone: its action line, its record and two newlines.
                using BulkRequest alone = BulkRequest.Encode(batch, documents, following, 1, null, Streams);
                (request.Body.Length + alone.Body.Length).ShouldBeGreaterThan(Limit, "a body is cut only when the next document would not fit");
            }

            sent.AddRange(request.Documents.Select(document => document.RecordIndex));
            next += request.Documents.Count;
        }

        sent.ShouldBe(Enumerable.Range(0, 40));
    }

    [Fact]
    public void ThePayloadHash_IsTheSha256OfTheBody()
    {
        using BulkRequest request = BulkRequest.Encode(Batch(["{\"a\":1}"]), [new BulkDocument(0, "logs", "x")], 0, long.MaxValue, null, Streams);

        request.PayloadHash().ShouldBe(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Text(request)))));
        request.Body.Position.ShouldBe(0);
    }

    private static string Text(BulkRequest request) => Encoding.UTF8.GetString(request.Body.ToArray());

    private static DeliveryBatch Batch(string[] records)
    {
        SourceRecord[] source = [.. records.Select((data, i) => new SourceRecord(new ShardPosition((100 + i).ToString(CultureInfo.InvariantCulture)), "pk", DateTimeOffset.UnixEpoch, Encoding.UTF8.GetBytes(data)))];
        return new DeliveryBatch("logs", new BatchSource("stream", "shardId-0", source[0].Position, source[^1].Position), source);
    }
}
