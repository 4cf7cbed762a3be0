using System.Buffers.Text;
using System.Text.Json;
using Parquet.Schema;

namespace Delivery.Benchmarks.ParquetNet;

/// <summary>
/// The clickstream records' JSON parsed into one array per column, which is what Parquet.Net writes from: the step a
/// user of Parquet.Net must add before it, and which Delivery's encoder does as it goes. Field names, types and
/// timestamp precision are those of <see cref="Delivery.Testing.ClickstreamRecords.Columns"/>.
/// </summary>
internal sealed class ClickstreamColumns
{
    public static readonly ParquetSchema Schema = new(
        new DataField<string>("event_id", nullable: true),
        new DataField<long?>("user_id"),
        new DataField<string>("session_id", nullable: true),
        new DataField<string>("event_type", nullable: true),
        new DataField<string>("url", nullable: true),
        new DataField<string>("referrer", nullable: true),
        new DataField<string>("user_agent", nullable: true),
        new DataField<string>("country", nullable: true),
        new DateTimeDataField("ts", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: true),
        new DataField<int?>("duration_ms"),
        new DecimalDataField("price", 10, 2, isNullable: true),
        new DataField<int?>("quantity"),
        new DataField<bool?>("is_mobile"),
        new DataField<double?>("lat"),
        new DataField<double?>("lon"));

    private ClickstreamColumns(int rows)
    {
        EventId = new string?[rows];
        UserId = new long?[rows];
        SessionId = new string?[rows];
        EventType = new string?[rows];
        Url = new string?[rows];
        Referrer = new string?[rows];
        UserAgent = new string?[rows];
        Country = new string?[rows];
        Ts = new DateTime?[rows];
        DurationMs = new int?[rows];
        Price = new decimal?[rows];
        Quantity = new int?[rows];
        IsMobile = new bool?[rows];
        Lat = new double?[rows];
        Lon = new double?[rows];
    }

    public string?[] EventId { get; }

    public long?[] UserId { get; }

    public string?[] SessionId { get; }

    public string?[] EventType { get; }

    public string?[] Url { get; }

    public string?[] Referrer { get; }

    public string?[] UserAgent { get; }

    public string?[] Country { get; }

    public DateTime?[] Ts { get; }

    public int?[] DurationMs { get; }

    public decimal?[] Price { get; }

    public int?[] Quantity { get; }

    public bool?[] IsMobile { get; }

    public double?[] Lat { get; }

    public double?[] Lon { get; }

    public static ClickstreamColumns Parse(IReadOnlyList<SourceRecord> records)
    {
        var columns = new ClickstreamColumns(records.Count);
        for (int row = 0; row < records.Count; row++)
        {
            var reader = new Utf8JsonReader(records[row].Data.Span);
            reader.Read();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                reader.Read();
                columns.Set(name, row, ref reader);
            }
        }

        return columns;
    }

    private void Set(string name, int row, ref Utf8JsonReader reader)
    {
        switch (name)
        {
            case "event_id": EventId[row] = reader.GetString(); break;
            case "user_id": UserId[row] = reader.GetInt64(); break;
            case "session_id": SessionId[row] = reader.GetString(); break;
            case "event_type": EventType[row] = reader.GetString(); break;
            case "url": Url[row] = reader.GetString(); break;
            case "referrer": Referrer[row] = reader.GetString(); break;
            case "user_agent": UserAgent[row] = reader.GetString(); break;
            case "country": Country[row] = reader.GetString(); break;
            case "ts": Ts[row] = reader.GetDateTimeOffset().UtcDateTime; break;
            case "duration_ms": DurationMs[row] = reader.GetInt32(); break;
            case "price": Price[row] = Utf8Parser.TryParse(reader.ValueSpan, out decimal price, out _) ? price : throw new FormatException("price"); break;
            case "quantity": Quantity[row] = reader.GetInt32(); break;
            case "is_mobile": IsMobile[row] = reader.GetBoolean(); break;
            case "lat": Lat[row] = reader.GetDouble(); break;
            case "lon": Lon[row] = reader.GetDouble(); break;
            default: reader.Skip(); break;
        }
    }
}
