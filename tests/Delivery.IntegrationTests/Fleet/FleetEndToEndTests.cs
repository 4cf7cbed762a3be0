using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Delivery.IntegrationTests.EndToEnd;
using Delivery.Kinesis.Leases;
using Delivery.Testing;
using Xunit.Abstractions;

namespace Delivery.IntegrationTests.Fleet;

/// <summary>
/// Three and four workers on an 8-shard stream under continuous load, on the local stack: balancing, a worker killed
/// without a word, one stopped with SIGTERM, and one joining.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed partial class FleetEndToEndTests(LocalAwsStack stack, ITestOutputHelper output)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task AKilledWorkersShards_AreTakenWithinTwoLeaseDurations_AndOnlyItsUnacknowledgedBatchesAreWrittenAgain_ToTheSameObjects()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(shards: 8);
        await using var fleet = new Fleet(stack, scenario);
        using var producing = new CancellationTokenSource();
        Task producer = ProduceAsync(scenario, producing.Token);
        await fleet.StartAsync("w1");
        await fleet.StartAsync("w2");
        await fleet.StartAsync("w3");
        await fleet.WaitForLoadsAsync([3, 3, 2], Settle);
        await MeasureSteadyStateDynamoDbCostAsync(fleet, shards: 8);

        FleetHost victim = await HostWithAsync(fleet, leases: 3);

        // Read before the kill: on a loaded machine the kill itself may take a lease duration, and peers may take (and
        // checkpoint) some of its leases by the time it returns. A checkpoint the victim writes between this read and
        // its death only makes the check on re-written objects below less strict, never wrong.
        Dictionary<string, LeaseCheckpoint> checkpointsAtDeath = (await fleet.LeasesOfAsync(victim.Name)).ToDictionary(lease => lease.LeaseKey, lease => lease.Checkpoint);
        var sinceKill = Stopwatch.StartNew();
        await victim.KillAsync();
        await Fleet.WaitUntilAsync(
            async () => (await fleet.LeasesAsync()).Where(lease => checkpointsAtDeath.ContainsKey(lease.LeaseKey)).All(lease => lease.Owner is { } owner && Fleet.NameOf(owner) != victim.Name),
            () => "the killed worker's leases are taken",
            Settle);
        TimeSpan takenOver = sinceKill.Elapsed;
        output.WriteLine($"The killed worker's {checkpointsAtDeath.Count} leases were all taken {takenOver.TotalSeconds:0.0} s after it died (lease duration {Fleet.LeaseDuration.TotalSeconds:0} s).");
        await fleet.WaitForLoadsAsync([4, 4], Settle);
        await Task.Delay(1500);
        await producing.CancelAsync();
        await producer;
        await scenario.WaitForCheckpointsAsync(Settle, () => string.Join(Environment.NewLine, fleet.Log.Entries.TakeLast(50).Select(entry => entry.Message)));
        foreach (FleetHost host in fleet.Hosts.Where(host => host != victim))
        {
            await host.StopGracefullyAsync();
        }

        checkpointsAtDeath.Count.ShouldBe(3);
        takenOver.ShouldBeLessThan(2 * Fleet.LeaseDuration + TimeSpan.FromSeconds(1.5), "two lease durations, and a little for the machine");
        await scenario.VerifyDeliveredExactlyOnceAsync();
        foreach (IGrouping<string, S3Write> writes in fleet.ObjectsWrittenMoreThanOnce())
        {
            writes.Select(write => write.Worker).ShouldContain(victim.Name, $"{writes.Key} was written twice, but not because of the killed worker");
            string key = writes.Key[(scenario.BucketName.Length + 2)..];
            (string shard, ShardPosition first) = await scenario.SourceOfAsync(key);
            checkpointsAtDeath.ShouldContainKey(shard, $"{key} is of {shard}, which the killed worker did not hold");
            (checkpointsAtDeath[shard].Position is not { } checkpoint || checkpoint < first).ShouldBeTrue(
                $"{key} starts at {first}, which the killed worker had already checkpointed: an acknowledged batch was written again");
        }

        output.WriteLine($"Objects written twice (the killed worker's unacknowledged batches, rewritten under the same key): {fleet.ObjectsWrittenMoreThanOnce().Count}.");
    }

    [Fact]
    public async Task AJoiningWorker_GetsItsShareWithoutAnyShardReadByTwoWorkersAtOnce_AndAStoppedOnesShardsMoveInOneRound_WithoutDuplicates()
    {
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(shards: 8);
        await using var fleet = new Fleet(stack, scenario);
        using var producing = new CancellationTokenSource();
        Task producer = ProduceAsync(scenario, producing.Token);
        await fleet.StartAsync("w1");
        await fleet.StartAsync("w2");
        await fleet.StartAsync("w3");
        await fleet.WaitForLoadsAsync([3, 3, 2], Settle);

        await fleet.StartAsync("w4");
        await fleet.WaitForLoadsAsync([2, 2, 2, 2], Settle);
        int readingIntervals = fleet.AssertNoShardWasReadByTwoWorkersAtOnce();

        FleetHost leaving = await HostWithAsync(fleet, leases: 2);
        List<string> released = [.. (await fleet.LeasesOfAsync(leaving.Name)).Select(lease => lease.LeaseKey)];
        await leaving.StopGracefullyAsync();
        var sinceStop = Stopwatch.StartNew();
        await Fleet.WaitUntilAsync(
            async () => (await fleet.LeasesAsync()).Where(lease => released.Contains(lease.LeaseKey)).All(lease => lease.Owner is not null),
            () => "the stopped worker's shards are taken",
            Settle);
        output.WriteLine($"The stopped worker's leases were taken {sinceStop.Elapsed.TotalSeconds:0.0} s after it had released them (a take round is {Fleet.LeaseDuration.TotalSeconds / 3:0.0} s).");
        await Task.Delay(1500);
        await producing.CancelAsync();
        await producer;
        await scenario.WaitForCheckpointsAsync(Settle, () => string.Join(Environment.NewLine, fleet.Log.Entries.TakeLast(50).Select(entry => entry.Message)));
        foreach (FleetHost host in fleet.Hosts.Where(host => host != leaving))
        {
            await host.StopGracefullyAsync();
        }

        readingIntervals.ShouldBeGreaterThan(8, "some shards changed hands");
        fleet.AssertNoShardWasReadByTwoWorkersAtOnce();
        AssertEveryMoveWasAHandoverOrARelease(fleet);
        AssertReleasedLeasesWereTakenInTheFirstRoundAfterwards(fleet, leaving, released);
        fleet.ObjectsWrittenMoreThanOnce().ShouldBeEmpty("no worker died, so no batch is written twice");
        await scenario.VerifyDeliveredExactlyOnceAsync();
    }

    private static async Task ProduceAsync(DeliveryScenario scenario, CancellationToken stop)
    {
        var random = new Random(8);
        while (!stop.IsCancellationRequested)
        {
            await scenario.PutAsync(RecordMix.Small(40, random), random);
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

    private static async Task<FleetHost> HostWithAsync(Fleet fleet, int leases)
    {
        foreach (FleetHost host in fleet.Hosts)
        {
            if ((await fleet.LeasesOfAsync(host.Name)).Count == leases)
            {
                return host;
            }
        }

        throw new InvalidOperationException($"No worker holds {leases} leases.");
    }

    /// <summary>Prints DynamoDB requests per shard per minute while the fleet is balanced and under load.</summary>
    private async Task MeasureSteadyStateDynamoDbCostAsync(Fleet fleet, int shards)
    {
        foreach (FleetHost host in fleet.Hosts)
        {
            host.Tap.ResetCounts();
        }

        var window = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(9));
        double minutes = window.Elapsed.TotalMinutes;
        Dictionary<string, int> total = fleet.Hosts.SelectMany(host => host.Tap.DynamoDbRequests)
            .GroupBy(pair => pair.Key)
            .ToDictionary(group => group.Key, group => group.Sum(pair => pair.Value));
        string perShard = string.Join(", ", total.OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => $"{pair.Key} {(pair.Value / minutes / shards).ToString("0.0", CultureInfo.InvariantCulture)}"));
        output.WriteLine($"Steady state, {fleet.Hosts.Count} workers, {shards} shards, lease duration {Fleet.LeaseDurationSeconds} s: DynamoDB requests per shard per minute: {perShard}; " +
            $"total {(total.Values.Sum() / minutes / shards).ToString("0.0", CultureInfo.InvariantCulture)}.");

        // Listing the table is a round's work, not a renewal's: a few scans a minute per worker, whatever the shard count.
        double scansPerWorkerPerMinute = total.GetValueOrDefault("Scan") / minutes / fleet.Hosts.Count;
        scansPerWorkerPerMinute.ShouldBeLessThanOrEqualTo(1.2 * 60 / (Fleet.LeaseDurationSeconds / 3.0), "one table listing per take round");
        total.GetValueOrDefault("UpdateItem (renewal)").ShouldBeGreaterThan(total.GetValueOrDefault("Scan") * 2, "renewals are single-item updates, not scans");
    }

    /// <summary>From the shared log: every lease taken from another worker was handed over or released first.</summary>
    private static void AssertEveryMoveWasAHandoverOrARelease(Fleet fleet)
    {
        foreach (CapturedLog entry in fleet.Log.Entries.Where(entry => entry.EventId.Name == "LeaseTaken"))
        {
            Match taken = TakenEvent().Match(entry.Message);
            taken.Success.ShouldBeTrue(entry.Message);
            string previous = taken.Groups["previous"].Value;
            (previous == "none" || previous == taken.Groups["worker"].Value).ShouldBeTrue(
                $"a lease was taken from a live worker instead of being handed over: {entry.Message}");
        }
    }

    /// <summary>
    /// From the shared log: each lease the stopped worker released was taken by a peer whose take round started at
    /// most once between the worker's last release and the take (a round already listing when the release landed may
    /// miss it; the next one does not). An expiry would take at least a lease duration, three rounds.
    /// </summary>
    private static void AssertReleasedLeasesWereTakenInTheFirstRoundAfterwards(Fleet fleet, FleetHost leaving, List<string> released)
    {
        List<CapturedLog> entries = [.. fleet.Log.Entries];
        int lastRelease = entries.FindLastIndex(entry => entry.EventId.Name == "LeaseReleased" && entry.Message.StartsWith($"Worker {leaving.Name}-", StringComparison.Ordinal));
        lastRelease.ShouldBeGreaterThanOrEqualTo(0, "the stopped worker released its leases");
        foreach (string shard in released)
        {
            int take = entries.FindIndex(lastRelease, entry => entry.EventId.Name == "LeaseTaken" && entry.Message.Contains($" took the lease of shard {shard} ", StringComparison.Ordinal));
            take.ShouldBeGreaterThan(lastRelease, $"{shard} was taken after the release");
            string taker = TakenEvent().Match(entries[take].Message).Groups["worker"].Value;
            int rounds = entries.Skip(lastRelease).Take(take - lastRelease).Count(entry => entry.EventId.Name == "LeaseRound" && entry.Message.StartsWith($"Lease round of worker {taker}:", StringComparison.Ordinal));
            rounds.ShouldBeLessThanOrEqualTo(2, $"{shard} was taken by {taker} only after {rounds} of its rounds");
        }
    }

    [GeneratedRegex(@"^Worker (?<worker>\S+) took the lease of shard (?<shard>\S+) \(previous owner (?<previous>\S+),")]
    private static partial Regex TakenEvent();
}
