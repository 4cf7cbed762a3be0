using System.Globalization;
using System.Text;
using Delivery.Transforms.Processing;

namespace Delivery.UnitTests.Transforms;

internal static class TransformTestBatches
{
    /// <summary>The arrival time of the first record; each later record arrived one second after the one before.</summary>
    public static readonly DateTimeOffset FirstArrival = new(2026, 3, 4, 3, 6, 7, TimeSpan.Zero);

    public static readonly TransformEnvironment TestEnvironment = new("us-east-1", "123456789012", "clicks");

    public static DeliveryBatch Of(params string[] records) => Of([.. records.Select(Encoding.UTF8.GetBytes)]);

    public static DeliveryBatch Of(params byte[][] records)
    {
        var source = new SourceRecord[records.Length];
        for (int i = 0; i < records.Length; i++)
        {
            source[i] = new SourceRecord(Position(i), "pk" + i.ToString(CultureInfo.InvariantCulture), FirstArrival.AddSeconds(i), records[i]);
        }

        return new DeliveryBatch("clicks", new BatchSource("orders", "shardId-000000000003", Position(0), Position(records.Length - 1)), source);
    }

    public static ShardPosition Position(int index) => new("4959" + index.ToString("D6", CultureInfo.InvariantCulture));

    public static ProcessingRun Run(DeliveryBatch batch) => new(batch, TestEnvironment);

    /// <summary>The batch's records as they enter the first processor.</summary>
    public static List<ChainRecord> Records(DeliveryBatch batch) => [.. batch.Records.Select((record, i) => new ChainRecord(i, record.Data))];

    public static string Text(ReadOnlyMemory<byte> data) => Encoding.UTF8.GetString(data.Span);

    public static string[] Texts(IEnumerable<ChainRecord> records) => [.. records.Select(record => Text(record.Data))];
}
