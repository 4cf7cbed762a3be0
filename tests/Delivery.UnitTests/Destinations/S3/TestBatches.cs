using System.Text;

namespace Delivery.UnitTests.Destinations.S3;

internal static class TestBatches
{
    public static readonly BatchSource Source = new("orders", "shardId-000000000007", new ShardPosition("4959001", 0), new ShardPosition("4959009", 2));

    /// <summary>
    /// A batch whose oldest record is not its first and arrived at 05:06:07 +02:00 on 4 March 2026, which is 03:06:07 UTC.
    /// </summary>
    public static DeliveryBatch Create(BatchSource? source = null, string deliveryStream = "clicks")
    {
        var offset = TimeSpan.FromHours(2);
        SourceRecord[] records =
        [
            new(new ShardPosition("4959001"), "a", new DateTimeOffset(2026, 3, 4, 5, 9, 0, offset), Encoding.UTF8.GetBytes("{\"n\":1}")),
            new(new ShardPosition("4959005"), "b", new DateTimeOffset(2026, 3, 4, 5, 6, 7, offset), Encoding.UTF8.GetBytes("{\"n\":2}")),
            new(new ShardPosition("4959009", 2), "c", new DateTimeOffset(2026, 3, 4, 5, 10, 0, offset), Encoding.UTF8.GetBytes("{\"n\":3}")),
        ];
        return new DeliveryBatch(deliveryStream, source ?? Source, records);
    }
}
