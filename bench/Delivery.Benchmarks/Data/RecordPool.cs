using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Delivery.Benchmarks.Data;

/// <summary>
/// A deterministic set of distinct JSON records of one shape, stored back to back in one array. The same shape and seed
/// give the same bytes on every machine and run, so figures taken on different days compress the same data. Values come
/// from fixed vocabularies and realistic distributions: gzip finds as much (and as little) repetition as in real
/// clickstream and log data, which matters more to the codec's speed than the record size does.
/// </summary>
public sealed class RecordPool
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 15, 8, 0, 0, TimeSpan.Zero);
    private readonly byte[] _bytes;
    private readonly int[] _offsets;

    private RecordPool(RecordShape shape, byte[] bytes, int[] offsets)
    {
        Shape = shape;
        _bytes = bytes;
        _offsets = offsets;
    }

    public RecordShape Shape { get; }

    public int Count => _offsets.Length - 1;

    public long TotalBytes => _offsets[^1];

    public double AverageBytes => (double)TotalBytes / Count;

    public ReadOnlyMemory<byte> this[int index] => _bytes.AsMemory(_offsets[index], _offsets[index + 1] - _offsets[index]);

    /// <summary>
    /// Generates records until about <paramref name="targetBytes"/> (default 16 MiB: far beyond gzip's 32 KiB window,
    /// so cycling through the pool never makes the data look more repetitive than it is).
    /// </summary>
    public static RecordPool Generate(RecordShape shape, long targetBytes = 16L * 1024 * 1024, int seed = 20260115)
    {
        var random = new Random(seed);
        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(targetBytes + 65536, int.MaxValue));
        var offsets = new List<int> { 0 };
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        for (long n = 0; buffer.WrittenCount < targetBytes; n++)
        {
            writer.Reset(buffer);
            DateTimeOffset time = Epoch.AddMilliseconds(n * 37 + random.Next(0, 37));
            switch (shape)
            {
                case RecordShape.Log100:
                    WriteLog(writer, random, time);
                    break;
                case RecordShape.Click600:
                    WriteClick(writer, random, time, n);
                    break;
                case RecordShape.Trace4K:
                    WriteTrace(writer, random, time, n);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(shape), shape, null);
            }

            writer.Flush();
            offsets.Add(buffer.WrittenCount);
        }

        return new RecordPool(shape, buffer.WrittenSpan.ToArray(), [.. offsets]);
    }

    /// <summary>
    /// The same records, each with a string field <paramref name="name"/> put first, of value
    /// <paramref name="value"/>(index in the pool): a field to partition by, spread as the caller chooses. Values are
    /// written as they are, so they must need no JSON escaping.
    /// </summary>
    public RecordPool WithLeadingField(string name, Func<int, string> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var buffer = new ArrayBufferWriter<byte>(_bytes.Length + (Count * 32));
        var offsets = new List<int>(Count + 1) { 0 };
        for (int i = 0; i < Count; i++)
        {
            ReadOnlySpan<byte> record = this[i].Span;
            if (record.IsEmpty || record[0] != (byte)'{')
            {
                throw new InvalidOperationException($"Record {i} of the {Shape} pool is not a JSON object.");
            }

            buffer.Write(Encoding.UTF8.GetBytes($"{{\"{name}\":\"{value(i)}\","));
            buffer.Write(record[1..]);
            offsets.Add(buffer.WrittenCount);
        }

        return new RecordPool(Shape, buffer.WrittenSpan.ToArray(), [.. offsets]);
    }

    private static void WriteLog(Utf8JsonWriter w, Random r, DateTimeOffset time)
    {
        w.WriteStartObject();
        w.WriteNumber("ts", time.ToUnixTimeMilliseconds());
        w.WriteString("lvl", Pick(r, Vocabulary.Levels, skew: 3));
        w.WriteString("svc", Pick(r, Vocabulary.Services));
        w.WriteString("msg", $"{Pick(r, Vocabulary.Methods, skew: 2)} {Pick(r, Vocabulary.Paths)} {Pick(r, Vocabulary.Statuses, skew: 4)}");
        w.WriteNumber("ms", (int)Math.Round(Math.Exp(r.NextDouble() * 6)));
        w.WriteString("req", Hex(r, 8));
        w.WriteEndObject();
    }

    private static void WriteClick(Utf8JsonWriter w, Random r, DateTimeOffset time, long n)
    {
        int user = (int)Math.Pow(r.NextDouble(), 2) * 50_000;
        w.WriteStartObject();
        w.WriteString("event_id", Guid(r));
        w.WriteString("event_type", Pick(r, Vocabulary.EventTypes, skew: 2));
        w.WriteString("event_time", time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        w.WriteNumber("seq", n);
        w.WriteString("user_id", "u-" + user.ToString("D6", CultureInfo.InvariantCulture));
        w.WriteString("session_id", Hex(r, 16));
        w.WriteString("page_url", "https://shop.example.com" + Pick(r, Vocabulary.Paths) + "?ref=" + Pick(r, Vocabulary.Campaigns));
        w.WriteString("referrer", Pick(r, Vocabulary.Referrers));
        w.WriteString("user_agent", Pick(r, Vocabulary.UserAgents, skew: 2));
        w.WriteString("ip", $"{r.Next(1, 224)}.{r.Next(256)}.{r.Next(256)}.{r.Next(1, 255)}");
        w.WriteStartObject("geo");
        (string country, string city) = Vocabulary.Cities[Skewed(r, Vocabulary.Cities.Length, 2)];
        w.WriteString("country", country);
        w.WriteString("city", city);
        w.WriteEndObject();
        w.WriteStartObject("product");
        w.WriteString("sku", "SKU-" + r.Next(100_000).ToString("D5", CultureInfo.InvariantCulture));
        w.WriteString("category", Pick(r, Vocabulary.Categories));
        w.WriteNumber("price", Math.Round(r.NextDouble() * 300, 2));
        w.WriteNumber("quantity", 1 + Skewed(r, 5, 3));
        w.WriteEndObject();
        w.WriteBoolean("logged_in", r.Next(3) != 0);
        w.WriteString("device", Pick(r, Vocabulary.Devices, skew: 2));
        w.WriteEndObject();
    }

    private static void WriteTrace(Utf8JsonWriter w, Random r, DateTimeOffset time, long n)
    {
        w.WriteStartObject();
        w.WriteString("timestamp", time.ToString("O", CultureInfo.InvariantCulture));
        w.WriteString("level", "ERROR");
        w.WriteString("service", Pick(r, Vocabulary.Services));
        w.WriteString("host", "ip-10-0-" + r.Next(64).ToString(CultureInfo.InvariantCulture) + "-" + r.Next(256).ToString(CultureInfo.InvariantCulture) + ".ec2.internal");
        w.WriteString("trace_id", Hex(r, 32));
        w.WriteString("span_id", Hex(r, 16));
        w.WriteNumber("seq", n);
        w.WriteString("message", $"Unhandled exception while processing {Pick(r, Vocabulary.Methods)} {Pick(r, Vocabulary.Paths)} for tenant t-{r.Next(900):D3}");
        w.WriteStartObject("exception");
        w.WriteString("type", Pick(r, Vocabulary.Exceptions));
        w.WriteString("message", Sentence(r, 12 + r.Next(20)));
        var stack = new StringBuilder();
        int frames = 16 + r.Next(9);
        for (int i = 0; i < frames; i++)
        {
            stack.Append("   at ").Append(Pick(r, Vocabulary.Namespaces)).Append('.').Append(Pick(r, Vocabulary.Classes))
                .Append('.').Append(Pick(r, Vocabulary.MethodNames)).Append("(").Append(Pick(r, Vocabulary.Parameters)).Append(") in /src/")
                .Append(Pick(r, Vocabulary.Classes)).Append(".cs:line ").Append(r.Next(20, 900)).Append('\n');
        }

        w.WriteString("stack", stack.ToString());
        w.WriteEndObject();
        w.WriteStartObject("request");
        w.WriteString("method", Pick(r, Vocabulary.Methods));
        w.WriteString("path", Pick(r, Vocabulary.Paths));
        w.WriteString("user_agent", Pick(r, Vocabulary.UserAgents));
        w.WriteString("client_ip", $"{r.Next(1, 224)}.{r.Next(256)}.{r.Next(256)}.{r.Next(1, 255)}");
        w.WriteStartObject("headers");
        foreach (string header in Vocabulary.Headers)
        {
            w.WriteString(header, header == "x-request-id" ? Guid(r) : Pick(r, Vocabulary.HeaderValues));
        }

        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("context");
        for (int i = 0; i < 10; i++)
        {
            w.WriteString("attr_" + i.ToString(CultureInfo.InvariantCulture), Sentence(r, 2 + r.Next(4)));
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static string Pick(Random r, string[] values, int skew = 1) => values[Skewed(r, values.Length, skew)];

    // Real categorical data is skewed: a few values are common, most are rare.
    private static int Skewed(Random r, int count, int skew) => (int)(Math.Pow(r.NextDouble(), skew) * count);

    private static string Hex(Random r, int length)
    {
        Span<byte> bytes = stackalloc byte[length / 2];
        r.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    private static string Guid(Random r)
    {
        string hex = Hex(r, 32);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    private static string Sentence(Random r, int words)
    {
        var text = new StringBuilder();
        for (int i = 0; i < words; i++)
        {
            text.Append(i == 0 ? "" : " ").Append(Pick(r, Vocabulary.Words, skew: 2));
        }

        return text.ToString();
    }
}
