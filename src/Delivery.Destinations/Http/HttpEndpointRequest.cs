using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Delivery.Destinations.Requests;
using Microsoft.IO;

namespace Delivery.Destinations.Http;

/// <summary>
/// One Firehose HTTP endpoint request: a slice of a batch, its request id and its encoded body
/// <c>{"requestId":"...","timestamp":...,"records":[{"data":"&lt;base64&gt;"},...]}</c>, gzip-compressed when configured.
/// The body is encoded once and sent unchanged on every attempt.
/// </summary>
internal sealed class HttpEndpointRequest : IDisposable
{
    /// <summary>Firehose sends 1 to 10,000 records per request.</summary>
    public const int MaxRecordsPerRequest = 10_000;

    /// <summary>Firehose's request limit: 64 MiB of record data before encoding and compression.</summary>
    public const long MaxDataBytesPerRequest = 64L * 1024 * 1024;

    // Utf8JsonWriter holds what it has not flushed; flushing every so often keeps that small for a 64 MiB request.
    private const int FlushEveryBytes = 256 * 1024;

    private HttpEndpointRequest(string requestId, int start, int count, RecyclableMemoryStream body)
    {
        RequestId = requestId;
        Start = start;
        Count = count;
        Body = body;
    }

    public string RequestId { get; }

    /// <summary>Index of the first record of the batch in this request.</summary>
    public int Start { get; }

    public int Count { get; }

    /// <summary>The encoded (and possibly compressed) body; rewound before each attempt.</summary>
    public RecyclableMemoryStream Body { get; }

    /// <summary>
    /// Cuts a batch into requests of at most <see cref="MaxRecordsPerRequest"/> records and <see cref="MaxDataBytesPerRequest"/>
    /// data bytes, in order (see <see cref="RequestSlices"/>).
    /// </summary>
    public static List<(int Start, int Count)> Slices(DeliveryBatch batch) => RequestSlices.Of(batch, MaxRecordsPerRequest, MaxDataBytesPerRequest);

    /// <summary>
    /// The request id of slice <paramref name="slice"/> of <paramref name="slices"/>, formatted as a GUID as Firehose's
    /// are. It comes from the batch id (its source positions) alone: the same on every retry and after a restart, so a
    /// receiver can deduplicate.
    /// </summary>
    public static string RequestIdFor(DeliveryBatch batch, int slice, int slices)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (slices == 1)
        {
            return Guid.ParseExact(batch.Id, "N").ToString("D");
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{batch.Id}\n{slice}\n{slices}"), hash);
        return new Guid(hash[..16]).ToString("D");
    }

    /// <summary>Encodes records [<paramref name="start"/>, start + <paramref name="count"/>) of the batch into a pooled body.</summary>
    public static HttpEndpointRequest Encode(
        DeliveryBatch batch, int start, int count, string requestId, long timestampMilliseconds, bool gzip, RecyclableMemoryStreamManager streams)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(streams);
        RecyclableMemoryStream body = streams.GetStream("HttpEndpointRequest");
        try
        {
            // Utf8JsonWriter never disposes its stream; only the gzip layer needs closing, to write its trailer.
            GZipStream? compressor = gzip ? new GZipStream(body, CompressionLevel.Fastest, leaveOpen: true) : null;
            using (compressor)
            using (var json = new Utf8JsonWriter((Stream?)compressor ?? body))
            {
                json.WriteStartObject();
                json.WriteString("requestId", requestId);
                json.WriteNumber("timestamp", timestampMilliseconds);
                json.WriteStartArray("records");
                for (int i = start; i < start + count; i++)
                {
                    json.WriteStartObject();
                    json.WriteBase64String("data", batch.Records[i].Data.Span);
                    json.WriteEndObject();
                    if (json.BytesPending > FlushEveryBytes)
                    {
                        json.Flush();
                    }
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            body.Position = 0;
            return new HttpEndpointRequest(requestId, start, count, body);
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    /// <summary>The URL without user info or query, which may hold credentials: what logs and errors may show.</summary>
    public static string SafeUrl(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsAbsoluteUri ? url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : "(relative URL)";
    }

    public void Dispose() => Body.Dispose();
}
