using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using Delivery.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Delivery.Benchmarks.EndToEnd.Transforms;

/// <summary>
/// An HTTP transform as a sidecar would serve it: Kestrel on a free 127.0.0.1 port, <c>POST /transform</c> takes a
/// Firehose transform event and answers every record <c>Ok</c> with <see cref="AddFieldTransform"/> applied. It reads
/// and writes the contract with <c>System.Text.Json</c>'s reader and writer, not with Delivery's contract code, and
/// without allocating per record, so that it costs the pipeline and its floor (which share this process) little and
/// the same.
/// </summary>
public static class TransformReceiver
{
    private static readonly JsonEncodedText Records = JsonEncodedText.Encode("records");
    private static readonly JsonEncodedText RecordId = JsonEncodedText.Encode("recordId");
    private static readonly JsonEncodedText Result = JsonEncodedText.Encode("result");
    private static readonly JsonEncodedText Ok = JsonEncodedText.Encode("Ok");
    private static readonly JsonEncodedText Data = JsonEncodedText.Encode("data");

    public static async Task<(LocalHttpServer Server, Uri Url)> StartAsync()
    {
        LocalHttpServer server = await LocalHttpServer.StartAsync(app => app.MapPost("/transform", AnswerAsync)).ConfigureAwait(false);
        return (server, new Uri(server.Address, "/transform"));
    }

    private static async Task AnswerAsync(HttpContext context)
    {
        int length = 0;
        byte[] body = ArrayPool<byte>.Shared.Rent((int)(context.Request.ContentLength ?? 65536));
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(body.AsMemory(length)).ConfigureAwait(false)) > 0)
            {
                length += read;
                if (length == body.Length)
                {
                    byte[] larger = ArrayPool<byte>.Shared.Rent(body.Length * 2);
                    body.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(body);
                    body = larger;
                }
            }

            context.Response.ContentType = "application/json";
            Answer(body.AsSpan(0, length), context.Response.BodyWriter);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }

        await context.Response.BodyWriter.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>Writes the answer to <paramref name="transformEvent"/> into <paramref name="output"/>.</summary>
    public static void Answer(ReadOnlySpan<byte> transformEvent, IBufferWriter<byte> output)
    {
        // Decoded and transformed records are never larger than the event that carried them base64-encoded.
        byte[] decoded = ArrayPool<byte>.Shared.Rent(transformEvent.Length);
        byte[] transformed = ArrayPool<byte>.Shared.Rent(transformEvent.Length);
        try
        {
            using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
            writer.WriteStartObject();
            writer.WriteStartArray(Records);
            var reader = new Utf8JsonReader(transformEvent);
            ReadOnlySpan<byte> id = default;
            int dataLength = -1;
            while (reader.Read())
            {
                // Depth 2: a record object of the records array; depth 3: its properties.
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 3)
                {
                    if (reader.ValueTextEquals("recordId"u8))
                    {
                        reader.Read();
                        id = reader.ValueSpan;
                    }
                    else if (reader.ValueTextEquals("data"u8))
                    {
                        reader.Read();
                        if (Base64.DecodeFromUtf8(reader.ValueSpan, decoded, out _, out int written) != OperationStatus.Done)
                        {
                            throw new InvalidOperationException("A record's data is not base64.");
                        }

                        dataLength = AddFieldTransform.Apply(decoded.AsSpan(0, written), transformed);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 2)
                {
                    if (id.IsEmpty || dataLength < 0)
                    {
                        throw new InvalidOperationException("A record without recordId or JSON object data.");
                    }

                    writer.WriteStartObject();
                    writer.WriteString(RecordId, id);
                    writer.WriteString(Result, Ok);
                    writer.WriteBase64String(Data, transformed.AsSpan(0, dataLength));
                    writer.WriteEndObject();
                    id = default;
                    dataLength = -1;
                }
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(decoded);
            ArrayPool<byte>.Shared.Return(transformed);
        }
    }
}
