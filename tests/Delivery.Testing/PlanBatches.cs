using System.Globalization;
using System.Text;
using Delivery.Pages;
using Delivery.Plans;

namespace Delivery.Testing;

/// <summary>
/// Batches of worker-scope plans as the pipeline cuts them: one range of each of several shards, each shard's records in
/// a real <see cref="RecordPage"/> of that shard, shard after shard in the plan's (shard id) order.
/// </summary>
public static class PlanBatches
{
    public const string FirstShard = "shardId-000000000001";

    public const string SecondShard = "shardId-000000000002";

    private static readonly DateTimeOffset Arrival = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    /// <summary>
    /// A plan of <see cref="FirstShard"/> (records "a0", "a1") and <see cref="SecondShard"/> (record "b0"). Both shards'
    /// sequence numbers start at 4959000000, so only the shard tells the first records of each apart.
    /// </summary>
    public static DeliveryBatch TwoShards(string pipelineName = "clicks", string streamName = "orders") =>
        Of(pipelineName, streamName, (FirstShard, Records("a", 2)), (SecondShard, Records("b", 1)));

    /// <summary>The plan of <paramref name="shards"/>' records, each shard's in one page; the batch holds the pages.</summary>
    public static DeliveryBatch Of(string pipelineName, string streamName, params (string ShardId, SourceRecord[] Records)[] shards)
    {
        var ranges = new List<BatchSource>();
        var segments = new List<PageSegment>();
        foreach ((string shardId, SourceRecord[] records) in shards.OrderBy(shard => shard.ShardId, StringComparer.Ordinal))
        {
            ranges.Add(new BatchSource(streamName, shardId, records[0].Position, records[^1].Position));
            segments.Add(new PageSegment(new RecordPage(shardId, records, 0), 0, records.Length));
        }

        return new DeliveryBatch(pipelineName, new BatchPlan(ranges), [.. segments]);
    }

    /// <summary>
    /// <paramref name="count"/> records whose data is <paramref name="prefix"/> and their index, at sequence numbers
    /// 4959000000 onwards, with partition keys "pk0"... and arrivals a second apart.
    /// </summary>
    public static SourceRecord[] Records(string prefix, int count) =>
        [.. Enumerable.Range(0, count).Select(i =>
        {
            string index = i.ToString(CultureInfo.InvariantCulture);
            return new SourceRecord(new ShardPosition("4959" + i.ToString("D6", CultureInfo.InvariantCulture)), "pk" + index, Arrival.AddSeconds(i), Encoding.UTF8.GetBytes(prefix + index));
        })];
}
