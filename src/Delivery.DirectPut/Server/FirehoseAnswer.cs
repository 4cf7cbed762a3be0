using System.Buffers;
using System.Text.Json;
using Delivery.DirectPut.Protocol;

namespace Delivery.DirectPut.Server;

/// <summary>An answer to one Firehose API call: the HTTP status and the JSON body.</summary>
public sealed record FirehoseAnswer(int StatusCode, ReadOnlyMemory<byte> Body, string? ErrorType = null)
{
    /// <summary>A 200 with the JSON <paramref name="write"/> writes.</summary>
    public static FirehoseAnswer Ok(Action<Utf8JsonWriter> write) => new(200, Json(write));

    /// <summary>The error's status with its <c>__type</c> / <c>message</c> body.</summary>
    public static FirehoseAnswer Error(FirehoseError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new(error.StatusCode, Json(json => FirehoseResponseWriter.WriteError(json, error)), error.Type);
    }

    private static ReadOnlyMemory<byte> Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            write(json);
        }

        return buffer.WrittenMemory;
    }
}
