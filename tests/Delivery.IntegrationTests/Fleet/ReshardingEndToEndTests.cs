using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;
using Delivery.IntegrationTests.EndToEnd;
using Delivery.Kinesis.Client;
using Delivery.Kinesis.Leases;
using Delivery.Testing;
using Xunit.Abstractions;

namespace Delivery.IntegrationTests.Fleet;

/// <summary>SplitShard and MergeShards while records flow and two workers read, on the local stack.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed partial class ReshardingEndToEndTests(LocalAwsStack stack, ITestOutputHelper output)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task ASplitAndAMergeUnderLoad_DeliverEveryRecord_AndEachPartitionKeysParentRecordsBeforeItsChildRecords()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(shards: 4);
        var kinesis = (KinesisClient)scenario.Kinesis;
        await using var fleet = new Fleet(stack, scenario);
        using var producing = new CancellationTokenSource();
        Task producer = ProduceAsync(scenario, producing.Token);
        await fleet.StartAsync("w1");
        await fleet.StartAsync("w2");
        await fleet.WaitForLoadsAsync([2, 2], Settle);
        await Task.Delay(2000);

        IReadOnlyList<Shard> before = await kinesis.ListAllShardsAsync(scenario.StreamName);
        Shard split = before[0];
        await kinesis.SplitShardAsync(new SplitShardRequest { StreamName = scenario.StreamName, ShardToSplit = split.ShardId, NewStartingHashKey = Midpoint(split.HashKeyRange) });
        await kinesis.WaitForStreamActiveAsync(scenario.StreamName, TimeSpan.FromSeconds(30));
        await kinesis.MergeShardsAsync(new MergeShardsRequest { StreamName = scenario.StreamName, ShardToMerge = before[2].ShardId, AdjacentShardToMerge = before[3].ShardId });
        await kinesis.WaitForStreamActiveAsync(scenario.StreamName, TimeSpan.FromSeconds(30));
        await Task.Delay(4000);
        await producing.CancelAsync();
        await producer;

        IReadOnlyList<Shard> after = await kinesis.ListAllShardsAsync(scenario.StreamName);
        var closed = new HashSet<string>(after.Where(shard => shard.IsClosed).Select(shard => shard.ShardId), StringComparer.Ordinal);
        closed.ShouldBe([split.ShardId, before[2].ShardId, before[3].ShardId], ignoreOrder: true);
        await scenario.WaitForCheckpointsAsync(Settle, () => string.Join(Environment.NewLine, fleet.Log.Entries.TakeLast(50).Select(entry => entry.Message)), closed);
        foreach (FleetHost host in fleet.Hosts)
        {
            await host.StopGracefullyAsync();
        }

        await scenario.VerifyDeliveredExactlyOnceAsync();
        Dictionary<string, Lease> leases = (await fleet.LeasesAsync()).ToDictionary(lease => lease.LeaseKey);
        List<Shard> children = [.. after.Where(shard => shard.ParentShardId is not null)];
        children.Count.ShouldBe(3, "two from the split, one from the merge");
        foreach (Shard child in children)
        {
            string[] parents = [.. new[] { child.ParentShardId, child.AdjacentParentShardId }.OfType<string>()];
            leases[child.ShardId].ParentShardIds.ShouldBe(parents, ignoreOrder: true);
            parents.ShouldAllBe(parent => leases[parent].ChildShardIds.Contains(child.ShardId));
        }

        int pairs = await AssertParentRecordsWereDeliveredBeforeChildRecordsAsync(scenario, fleet, children);
        pairs.ShouldBeGreaterThan(10, "partition keys with records in both a parent and its child");
        output.WriteLine($"{scenario.PutCount} records across a split and a merge; {pairs} (partition key, parent, child) combinations checked for order.");
    }

    /// <summary>
    /// For every child shard, parent and partition key with records in both: every object holding the parent's records of
    /// that key was acknowledged by S3 before any object holding the child's. Returns how many such combinations exist.
    /// </summary>
    private static async Task<int> AssertParentRecordsWereDeliveredBeforeChildRecordsAsync(DeliveryScenario scenario, Fleet fleet, List<Shard> children)
    {
        Dictionary<string, int> writtenAt = fleet.S3Writes.Writes
            .GroupBy(write => write.Path[(scenario.BucketName.Length + 2)..])
            .ToDictionary(group => group.Key, group => group.Min(write => write.Order));
        var order = new Dictionary<(string Shard, string Key), (int First, int Last)>();
        foreach ((string objectKey, string shard, List<byte[]> records) in await scenario.ReadObjectsAsync())
        {
            int at = writtenAt[objectKey];
            foreach (string key in records.Select(PartitionKeyOf).Distinct())
            {
                order[(shard, key)] = order.TryGetValue((shard, key), out (int First, int Last) seen) ? (Math.Min(seen.First, at), Math.Max(seen.Last, at)) : (at, at);
            }
        }

        int pairs = 0;
        foreach (Shard child in children)
        {
            foreach (string parent in new[] { child.ParentShardId, child.AdjacentParentShardId }.OfType<string>())
            {
                foreach (((string shard, string key), (int first, _)) in order.Where(pair => pair.Key.Shard == child.ShardId))
                {
                    if (order.TryGetValue((parent, key), out (int First, int Last) parentOrder))
                    {
                        parentOrder.Last.ShouldBeLessThan(first, $"records of key {key} from child {shard} were delivered before the last ones from parent {parent}");
                        pairs++;
                    }
                }
            }
        }

        return pairs;
    }

    private static async Task ProduceAsync(DeliveryScenario scenario, CancellationToken stop)
    {
        var random = new Random(11);
        int n = 0;
        while (!stop.IsCancellationRequested)
        {
            List<byte[]> records = [.. Enumerable.Range(0, 60).Select(_ => Encoding.UTF8.GetBytes($$"""{"key":"key-{{random.Next(40)}}","n":{{n++}}}"""))];
            await scenario.PutAsync(records, PartitionKeyOf);
            try
            {
                await Task.Delay(150, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private static string PartitionKeyOf(byte[] record) => KeyField().Match(Encoding.UTF8.GetString(record)).Groups[1].Value;

    private static string Midpoint(HashKeyRange range) =>
        ((BigInteger.Parse(range.StartingHashKey, System.Globalization.CultureInfo.InvariantCulture) + BigInteger.Parse(range.EndingHashKey, System.Globalization.CultureInfo.InvariantCulture)) / 2)
            .ToString(System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex("\"key\":\"([^\"]+)\"")]
    private static partial Regex KeyField();
}
