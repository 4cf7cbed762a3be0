using System.Globalization;
using System.Text;

namespace Delivery.Testing;

/// <summary>
/// Seeded clickstream events (about 450 bytes of JSON each) shaped like what Firehose users convert to Parquet:
/// ids, repeated categorical strings, URLs, user agents, timestamps, numbers. Used by the size comparison with DuckDB
/// and by the encoder benchmark, so both measure the same data.
/// </summary>
public static class ClickstreamRecords
{
    /// <summary>The schema as Glue types, for Delivery's encoder.</summary>
    public static readonly IReadOnlyList<(string Name, string GlueType, string DuckDbType)> Columns =
    [
        ("event_id", "string", "VARCHAR"),
        ("user_id", "bigint", "BIGINT"),
        ("session_id", "string", "VARCHAR"),
        ("event_type", "string", "VARCHAR"),
        ("url", "string", "VARCHAR"),
        ("referrer", "string", "VARCHAR"),
        ("user_agent", "string", "VARCHAR"),
        ("country", "string", "VARCHAR"),
        ("ts", "timestamp", "TIMESTAMPTZ"),
        ("duration_ms", "int", "INTEGER"),
        ("price", "decimal(10,2)", "DECIMAL(10,2)"),
        ("quantity", "int", "INTEGER"),
        ("is_mobile", "boolean", "BOOLEAN"),
        ("lat", "double", "DOUBLE"),
        ("lon", "double", "DOUBLE"),
    ];

    private static readonly string[] EventTypes = ["page_view", "click", "scroll", "add_to_cart", "purchase", "search", "login", "logout"];
    private static readonly string[] Countries = [.. Enumerable.Range(0, 40).Select(i => ((char)('A' + (i % 26))).ToString() + (char)('A' + (i * 7 % 26)))];
    private static readonly string[] Agents = [.. Enumerable.Range(0, 15).Select(i =>
        $"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{100 + i}.0.{4000 + i * 13}.{i * 7} Safari/537.36")];

    public static List<SourceRecord> Create(int count, int seed = 1)
    {
        var random = new Random(seed);
        var records = new List<SourceRecord>(count);
        long micros = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000;
        var json = new StringBuilder(600);
        for (int i = 0; i < count; i++)
        {
            micros += random.Next(0, 20_000);
            json.Clear();
            json.Append("{\"event_id\":\"").Append(Guid.CreateVersion7(DateTimeOffset.FromUnixTimeMilliseconds(micros / 1000)).ToString()).Append('"');
            json.Append(",\"user_id\":").Append(random.Next(1, 5000) * 7919L);
            json.Append(",\"session_id\":\"").Append((random.Next(0, 20000) * 2654435761L).ToString("x12", CultureInfo.InvariantCulture)).Append('"');
            json.Append(",\"event_type\":\"").Append(EventTypes[random.Next(EventTypes.Length)]).Append('"');
            json.Append(",\"url\":\"https://shop.example.com/category/").Append(random.Next(20)).Append("/product/").Append(random.Next(200)).Append("?ref=home\"");
            if (random.Next(3) > 0)
            {
                json.Append(",\"referrer\":\"https://search.example.org/q?term=").Append(random.Next(30)).Append('"');
            }

            json.Append(",\"user_agent\":\"").Append(Agents[random.Next(Agents.Length)]).Append('"');
            json.Append(",\"country\":\"").Append(Countries[random.Next(Countries.Length)]).Append('"');
            json.Append(",\"ts\":\"").Append(DateTimeOffset.UnixEpoch.AddTicks(micros * 10).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)).Append('"');
            json.Append(",\"duration_ms\":").Append(random.Next(0, 60_000));
            if (random.Next(4) == 0)
            {
                json.Append(",\"price\":").Append((random.Next(100, 100_000) / 100m).ToString("F2", CultureInfo.InvariantCulture));
            }

            json.Append(",\"quantity\":").Append(random.Next(1, 5));
            json.Append(",\"is_mobile\":").Append(random.Next(2) == 0 ? "true" : "false");
            json.Append(",\"lat\":").Append(Math.Round((random.NextDouble() * 180) - 90, 6).ToString("R", CultureInfo.InvariantCulture));
            json.Append(",\"lon\":").Append(Math.Round((random.NextDouble() * 360) - 180, 6).ToString("R", CultureInfo.InvariantCulture));
            json.Append('}');
            records.Add(new SourceRecord(new ShardPosition((i + 1).ToString(CultureInfo.InvariantCulture)), "k", DateTimeOffset.UnixEpoch, Encoding.UTF8.GetBytes(json.ToString())));
        }

        return records;
    }
}
