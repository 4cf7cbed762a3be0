using System.Text;
using Delivery.IntegrationTests.EndToEnd;
using Delivery.Kinesis.Leases;
using Delivery.Testing;
using static Delivery.Testing.KplAggregate;

namespace Delivery.IntegrationTests.Fleet;

/// <summary>KPL aggregates put into Kinesis come out of S3 as their user records.</summary>
[Collection(LocalAwsCollection.Name)]
public sealed class KplEndToEndTests(LocalAwsStack stack)
{
    [Fact]
    public async Task AggregatedRecords_AreDeliveredAsTheirUserRecords_ABadChecksumAsItIs_AndTheCheckpointCarriesTheSubsequenceNumber()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(shards: 1);
        var random = new Random(5);
        var expected = new List<byte[]>();
        var put = new List<byte[]>();
        int usersInLastPut = 0;
        for (int i = 0; i < 30; i++)
        {
            if (i % 10 == 7)
            {
                byte[] corrupt = WithBadChecksum([new("k", Encoding.UTF8.GetBytes($"lost-{i}"))]);
                put.Add(corrupt);
                expected.Add(corrupt);
                continue;
            }

            if (i % 5 == 3)
            {
                byte[] plain = Encoding.UTF8.GetBytes($$"""{"plain":{{i}}}""");
                put.Add(plain);
                expected.Add(plain);
                continue;
            }

            UserRecord[] users = [.. Enumerable.Range(0, random.Next(1, 40)).Select(j => new UserRecord($"user-{random.Next(5)}", Encoding.UTF8.GetBytes($$"""{"aggregate":{{i}},"user":{{j}},"pad":"{{new string('x', random.Next(200))}}"}""")))];
            put.Add(Build(users));
            expected.AddRange(users.Select(user => user.Data));
            usersInLastPut = users.Length;
        }

        await scenario.PutAsync(put, random);
        await using var fleet = new Fleet(stack, scenario);
        await fleet.StartAsync("w1");
        await scenario.WaitForCheckpointsAsync(TimeSpan.FromSeconds(60), () => string.Join(Environment.NewLine, fleet.Log.Entries.TakeLast(30).Select(entry => entry.Message)));
        await fleet.Hosts[0].StopGracefullyAsync();

        byte[] delivered = [.. (await scenario.ReadObjectContentsAsync()).SelectMany(entry => entry.Content)];
        delivered.ShouldBe([.. expected.SelectMany(record => record.Append((byte)'\n'))]);
        Lease lease = (await fleet.LeasesAsync()).ShouldHaveSingleItem();
        lease.Checkpoint.SubSequenceNumber.ShouldBe(usersInLastPut - 1L, "the last record put is an aggregate; the checkpoint is at its last user record");
        fleet.Log.Entries.Count(entry => entry.EventId.Name == "AggregateNotDeaggregated").ShouldBe(3, "each corrupt aggregate is reported once");
    }
}
