using System.Diagnostics;
using Delivery.IntegrationTests.EndToEnd;
using Delivery.Kinesis.Client;
using Delivery.Testing;
using Xunit.Abstractions;

namespace Delivery.IntegrationTests.Chaos;

/// <summary>
/// The debris a crashed fleet leaves in the lease table, written directly: leases owned by a dead worker, one of them
/// also asked for (<c>pendingOwner</c>) by another dead worker. Live worker processes must take every such lease within
/// ten lease durations, counting neither dead worker as alive, and deliver every record exactly once.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed class DeadRequesterTests(LocalAwsStack stack, ITestOutputHelper output)
{
    private const int LeaseDurationSeconds = 3;
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(LeaseDurationSeconds);
    private static readonly TimeSpan Deadline = 10 * LeaseDuration;

    [Fact]
    public async Task AFreshWorker_TakesEveryLeaseOfADeadOwner_AndTheOneADeadWorkerAskedFor_WithinTenLeaseDurations()
    {
        await RunAsync(shards: 4, liveWorkers: 1, deadOwnedShards: 4, records: 400);
    }

    [Fact]
    public async Task TwoLiveWorkers_TakeTheShardOfADeadOwnerThatADeadWorkerAskedFor_WithinTenLeaseDurations()
    {
        await RunAsync(shards: 8, liveWorkers: 2, deadOwnedShards: 1, records: 400);
    }

    /// <summary>
    /// The first <paramref name="deadOwnedShards"/> shards are owned by a dead worker, the second of them (or the only
    /// one) with a dead pendingOwner; the rest are free. Records are put before the live workers start.
    /// </summary>
    private async Task RunAsync(int shards, int liveWorkers, int deadOwnedShards, int records)
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(shards);
        using var s3 = stack.CreateS3Client();
        using var dynamoDb = stack.CreateDynamoDbClient();
        var table = new LeaseTable(dynamoDb, scenario.TableName);
        var ledger = new RecordLedger(scenario.Kinesis, scenario.StreamName);
        await using var fleet = new ProcessFleet(stack, scenario.WorkerSettings(LeaseDurationSeconds));
        var state = new FleetState(fleet, table, ledger, s3, scenario);

        string deadOwner = "crashed-owner-" + Guid.NewGuid().ToString("N")[..12];
        string deadRequester = "crashed-requester-" + Guid.NewGuid().ToString("N")[..12];
        fleet.RememberDead(deadOwner, "the seeded owner, never started");
        fleet.RememberDead(deadRequester, "the seeded requester, never started");
        await table.CreateAsync();
        List<string> shardIds = [.. (await scenario.Kinesis.ListAllShardsAsync(scenario.StreamName)).Select(shard => shard.ShardId).Order(StringComparer.Ordinal)];
        for (int i = 0; i < shardIds.Count; i++)
        {
            bool deadOwned = i < deadOwnedShards;
            bool requested = i == Math.Min(1, deadOwnedShards - 1);
            await table.PutAsync(shardIds[i], deadOwned ? deadOwner : null, counter: 7, pendingOwner: deadOwned && requested ? deadRequester : null);
        }

        await ledger.PutAsync(ledger.Fixed(new Random(shards), records, aggregateEvery: 10));
        string seeded = await table.DumpAsync(fleet.StatusOf);
        output.WriteLine(seeded);

        for (int i = 0; i < liveWorkers; i++)
        {
            fleet.Start("a live worker");
        }

        await fleet.WaitForIdsAsync(TimeSpan.FromSeconds(60));
        var since = Stopwatch.StartNew();
        List<string> failures = await state.WaitForDrainAsync(shards, Deadline);
        TimeSpan took = since.Elapsed;
        if (failures.Count > 0)
        {
            failures.Insert(0, $"within ten lease durations ({Deadline.TotalSeconds:0} s) of the live workers' start:");
        }

        DeliveryAudit audit = await state.AuditAsync();
        if (!audit.IsExactlyOnce)
        {
            failures.Add(audit.Describe(ledger));
        }

        failures.AddRange(state.UnexpectedExits());
        string summary = $"{liveWorkers} live worker(s), {shards} shards ({deadOwnedShards} owned by a dead worker, one of them asked for by a dead worker); " +
            $"{ledger.Counts}; {audit.Objects} objects; " + (failures.Count == 0 ? $"drained in {took.TotalSeconds:0.0} s" : $"not drained after {took.TotalSeconds:0.0} s");
        output.WriteLine(summary);
        if (failures.Count > 0)
        {
            throw new ShouldAssertException(await state.ReportAsync(output, summary, failures, FleetChaosTests.ShardsNamedIn(failures)));
        }

        output.WriteLine(await table.DumpAsync(fleet.StatusOf));
    }
}
