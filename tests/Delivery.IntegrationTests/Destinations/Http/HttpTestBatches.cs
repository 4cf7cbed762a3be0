using System.Globalization;
using System.Text;
using Delivery.Destinations.Http;
using Delivery.Testing;
using Microsoft.Extensions.Logging;

namespace Delivery.IntegrationTests.Destinations.Http;

internal static class HttpTestBatches
{
    public static readonly DateTimeOffset Arrival = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    /// <summary>Records a receiver must get back byte for byte: JSON, unicode, binary with newline and 0xFF bytes, a large one.</summary>
    public static byte[][] MixedPayloads() =>
    [
        Encoding.UTF8.GetBytes("{\"user\":42,\"event\":\"click\"}"),
        Encoding.UTF8.GetBytes("{\"text\":\"naïve café — 東京 🚀\"}"),
        [0x00, 0x0A, 0x0D, 0xFF, 0xFE, 0x22, 0x5C, 0x0A],
        Encoding.UTF8.GetBytes(new string('x', 900 * 1024)),
        Encoding.UTF8.GetBytes("plain text line\n"),
    ];

    public static DeliveryBatch Batch(IReadOnlyList<byte[]> payloads, string shardId = "shardId-000000000001", long firstSequence = 1000)
    {
        var records = payloads.Select((data, i) => new SourceRecord(Position(firstSequence + i), "pk-" + i, Arrival.AddMilliseconds(i), data)).ToList();
        return new DeliveryBatch("clicks", new BatchSource("clickstream", shardId, records[0].Position, records[^1].Position), records);
    }

    public static ShardPosition Position(long n) => new((49590000000000L + n).ToString(CultureInfo.InvariantCulture));

    public static HttpEndpointOptions Options(Uri url) => new() { Url = url, AllowPlainHttp = true, RetryDurationSeconds = 30, RequestTimeoutSeconds = 5 };

    public static HttpEndpointBatchWriter Writer(HttpEndpointOptions options, CapturingLoggerProvider? logs = null, TimeProvider? time = null)
    {
        var factory = new LoggerFactory(logs is null ? [] : [logs]);
        return new HttpEndpointBatchWriter(
            options,
            new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = Timeout.InfiniteTimeSpan },
            "arn:aws:firehose:us-east-1:123456789012:deliverystream/clicks",
            factory.CreateLogger<HttpEndpointBatchWriter>(),
            time ?? TimeProvider.System,
            unitRandom: () => 0.5);
    }
}
