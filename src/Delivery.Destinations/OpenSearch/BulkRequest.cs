using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IO;

namespace Delivery.Destinations.OpenSearch;

/// <summary>One document of a batch on its way to the cluster: the record it is, its index and its id (null: none sent).</summary>
/// <param name="RecordIndex">Index into the batch's records.</param>
/// <param name="Index">The index, rotation suffix included.</param>
/// <param name="Id">The <c>_id</c>, or null when the cluster chooses.</param>
internal readonly record struct BulkDocument(int RecordIndex, string Index, string? Id);

/// <summary>
/// One <c>_bulk</c> request: NDJSON, an <c>index</c> action line and the record's bytes on the next line, for each
/// document, each line ending with <c>\n</c> (the last one too, as the API requires). Newlines inside a record, which
/// in JSON can only be whitespace between tokens, become spaces, so every record is exactly one line: a record cannot
/// add an action of its own, and response item <c>i</c> is always document <c>i</c>.
/// </summary>
internal sealed class BulkRequest : IDisposable
{
    public const string ContentType = "application/x-ndjson";

    private BulkRequest(IReadOnlyList<BulkDocument> documents, RecyclableMemoryStream body)
    {
        Documents = documents;
        Body = body;
    }

    /// <summary>The documents in the body, in order: the response's item <c>i</c> answers document <c>i</c>.</summary>
    public IReadOnlyList<BulkDocument> Documents { get; }

    /// <summary>The NDJSON body; rewound before each send.</summary>
    public RecyclableMemoryStream Body { get; }

    /// <summary>The bytes a document adds to a body besides its action line: two newlines.</summary>
    public static int SeparatorBytes => 2;

    /// <summary>
    /// Encodes documents from <paramref name="start"/> on, in order, until the next would take the body past
    /// <paramref name="maxBytes"/>; at least one document is always taken, however large.
    /// </summary>
    public static BulkRequest Encode(
        DeliveryBatch batch, IReadOnlyList<BulkDocument> documents, int start, long maxBytes, string? typeName, RecyclableMemoryStreamManager streams)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(streams);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(start, documents.Count);
        RecyclableMemoryStream body = streams.GetStream("OpenSearchBulkRequest");
        try
        {
            var action = new ArrayBufferWriter<byte>(256);
            using var json = new Utf8JsonWriter(action);
            int end = start;
            while (end < documents.Count)
            {
                BulkDocument document = documents[end];
                action.ResetWrittenCount();
                json.Reset(action);
                WriteAction(json, document, typeName);
                ReadOnlySpan<byte> data = batch.Records[document.RecordIndex].Data.Span;
                if (end > start && body.Length + action.WrittenCount + data.Length + SeparatorBytes > maxBytes)
                {
                    break;
                }

                body.Write(action.WrittenSpan);
                body.WriteByte((byte)'\n');
                WriteAsOneLine(body, data);
                body.WriteByte((byte)'\n');
                end++;
            }

            body.Position = 0;
            IReadOnlyList<BulkDocument> taken = start == 0 && end == documents.Count ? documents : [.. Slice(documents, start, end - start)];
            return new BulkRequest(taken, body);
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    /// <summary>Lowercase hex SHA-256 of the body, for SigV4.</summary>
    public string PayloadHash()
    {
        Body.Position = 0;
        string hash = Convert.ToHexStringLower(SHA256.HashData(Body));
        Body.Position = 0;
        return hash;
    }

    public void Dispose() => Body.Dispose();

    private static void WriteAction(Utf8JsonWriter json, BulkDocument document, string? typeName)
    {
        json.WriteStartObject();
        json.WriteStartObject("index");
        json.WriteString("_index", document.Index);
        if (typeName is not null)
        {
            json.WriteString("_type", typeName);
        }

        if (document.Id is not null)
        {
            json.WriteString("_id", document.Id);
        }

        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
    }

    private static void WriteAsOneLine(Stream body, ReadOnlySpan<byte> data)
    {
        int newline;
        while ((newline = data.IndexOf((byte)'\n')) >= 0)
        {
            body.Write(data[..newline]);
            body.WriteByte((byte)' ');
            data = data[(newline + 1)..];
        }

        body.Write(data);
    }

    private static IEnumerable<BulkDocument> Slice(IReadOnlyList<BulkDocument> documents, int start, int count)
    {
        for (int i = start; i < start + count; i++)
        {
            yield return documents[i];
        }
    }
}
