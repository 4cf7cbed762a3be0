using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Delivery.IntegrationTests.EndToEnd;
using Delivery.Testing;
using Xunit.Abstractions;

namespace Delivery.IntegrationTests.Chaos;

/// <summary>
/// Issue 13, "never stuck": three worker processes on an 8-shard stream are killed with SIGKILL at least twenty times
/// while plain records and KPL aggregates are put, in every way that leaves debris in the lease table (one kill, two at
/// once, a fresh worker dying mid-take, a requester or an owner dying mid-handoff). Then the killing stops and the fleet
/// must drain by itself: every record in S3 exactly once, every checkpoint at the last record put, no lease left to a
/// dead worker. The seed (<c>DELIVERY_CHAOS_SEED</c>) replays the same records and the same draws of the kill schedule;
/// when each kill lands still depends on how fast the workers are.
/// </summary>
[Collection(LocalAwsCollection.Name)]
public sealed partial class FleetChaosTests(LocalAwsStack stack, ITestOutputHelper output)
{
    public const string SeedVariable = "DELIVERY_CHAOS_SEED";
    private const int Shards = 8;
    private const int Workers = 3;
    private const int Kills = 20;
    private const int LeaseDurationSeconds = 3;
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(LeaseDurationSeconds);
    private static readonly TimeSpan DrainTimeout = 20 * LeaseDuration;

    // After this, only quick kills finish the count (see ChaosMonkey), so the test stays under three minutes even when
    // the fleet is stuck and every waiting step waits in vain.
    private static readonly TimeSpan RichChaos = TimeSpan.FromSeconds(50);

    [Fact]
    public Task AFleetKilledTwentyTimes_DeliversEveryRecordOnce_AndLeavesNoShardWithADeadOwner() => RunChaosAsync(workerScope: false);

    /// <summary>
    /// Issue 18: the same chaos with <c>Buffering:Scope: Worker</c> and dynamic partitioning, so objects hold ranges of
    /// several shards and each is split by partition: still every record once, every shard checkpointed at its end.
    /// </summary>
    [Fact]
    public Task AWorkerScopeFleetKilledTwentyTimes_WithDynamicPartitioning_DeliversEveryRecordOnce() => RunChaosAsync(workerScope: true);

    private async Task RunChaosAsync(bool workerScope)
    {
        int seed = Seed();
        output.WriteLine($"Chaos seed {seed}; replay with {SeedVariable}={seed}");
        var total = Stopwatch.StartNew();
        using var scenario = new DeliveryScenario(stack);
        await scenario.CreateAsync(Shards);
        using var s3 = stack.CreateS3Client();
        using var dynamoDb = stack.CreateDynamoDbClient();
        var table = new LeaseTable(dynamoDb, scenario.TableName);
        var ledger = new RecordLedger(scenario.Kinesis, scenario.StreamName);
        Dictionary<string, string> settings = scenario.WorkerSettings(LeaseDurationSeconds);
        PlanTable? plans = null;
        if (workerScope)
        {
            string pipeline = $"Delivery:Pipelines:{DeliveryScenario.Pipeline}:";
            plans = new PlanTable(dynamoDb, LocalAwsStack.UniqueName("chaos-plans"));
            settings[pipeline + "Kinesis:Leases:PlanTableName"] = plans.Name;
            settings[pipeline + "Buffering:Scope"] = "Worker";
            settings[pipeline + "S3:Prefix"] = "e2e/kind=!{partitionKeyFromQuery:kind}/";
            settings[pipeline + "Processing:Processors:0:Type"] = "MetadataExtraction";
            settings[pipeline + "Processing:Processors:0:MetadataExtractionQuery"] = "{kind: .kind}";
            settings[pipeline + "DynamicPartitioning:Enabled"] = "true";
        }

        await using var fleet = new ProcessFleet(stack, settings);
        var state = new FleetState(fleet, table, ledger, s3, scenario);
        var monkey = new ChaosMonkey(fleet, table.ListAsync, new Random(seed ^ 0x5EED), Workers, LeaseDuration);
        using var producing = new CancellationTokenSource();
        Task producer = ProduceAsync(ledger, new Random(seed), producing.Token);
        string phase = "starting the fleet";
        try
        {
            await StartFleetAsync(fleet, table);

            phase = "killing";
            fleet.Note("chaos starts");
            var chaos = Stopwatch.StartNew();
            await monkey.RunAsync(Kills, richFor: RichChaos);
            await producing.CancelAsync();
            await producer;
            chaos.Stop();
            fleet.Note($"chaos over after {fleet.Kills} kills; {ledger.Counts} put; draining");

            phase = "draining";
            var drain = Stopwatch.StartNew();
            await fleet.WaitForIdsAsync(TimeSpan.FromSeconds(60));
            List<string> failures = await state.WaitForDrainAsync(Shards, DrainTimeout);
            drain.Stop();
            bool drained = failures.Count == 0;
            if (!drained)
            {
                failures.Insert(0, $"the fleet did not drain within {DrainTimeout.TotalSeconds:0} s after the last kill:");
            }

            phase = "auditing";
            DeliveryAudit audit = await state.AuditAsync();
            failures.AddRange(OtherFailures(fleet, state, audit, ledger));
            PlanStates? planStates = plans is null ? null : await plans.ReadAsync();
            if (planStates is not null)
            {
                failures.AddRange(WorkerScopeFailures(audit, planStates));
            }

            string summary = string.Create(CultureInfo.InvariantCulture,
                $"Chaos summary: seed {seed}; {ledger.Counts}; {audit.Objects} objects; {fleet.Kills} kills ({string.Join(", ", monkey.Steps.Select(step => $"{step.Value} {step.Key}"))} steps); " +
                $"{fleet.All.Count} worker processes; {audit.MultiShardObjects} objects of several shards; leases naming plans at start {fleet.CountLines(" plans named in the lease")}, plans completed by a next owner {fleet.CountLines(" completed plan ")}, tombstoned {fleet.CountLines(" was never committed")}, aborted {fleet.CountLines(" aborted plan ")}{(planStates is null ? "" : $"; {planStates}")}; chaos {chaos.Elapsed.TotalSeconds:0.0} s, drain {(drained ? "" : "not done after ")}{drain.Elapsed.TotalSeconds:0.0} s, total {total.Elapsed.TotalSeconds:0.0} s");
            output.WriteLine(summary);
            if (failures.Count > 0)
            {
                throw new ShouldAssertException(await state.ReportAsync(output, $"{summary}{Environment.NewLine}Replay with {SeedVariable}={seed}.", failures, ShardsNamedIn(failures)));
            }

            output.WriteLine(fleet.Timeline());
            output.WriteLine("Warnings and errors the workers logged:" + Environment.NewLine + fleet.ProblemsLogged());
        }
        catch (Exception ex) when (ex is not ShouldAssertException)
        {
            await state.ReportAsync(output, $"Chaos seed {seed} failed while {phase} after {total.Elapsed.TotalSeconds:0.0} s: {ex.Message}", [ex.ToString()], []);
            throw;
        }
        finally
        {
            await producing.CancelAsync();
            await QuietlyAsync(producer);
        }
    }

    internal static IEnumerable<string> ShardsNamedIn(IEnumerable<string> failures) =>
        failures.SelectMany(failure => ShardId().Matches(failure).Select(match => match.Value));

    /// <summary>Starts the fleet and waits until it holds every shard, so the chaos starts from a working fleet.</summary>
    private static async Task StartFleetAsync(ProcessFleet fleet, LeaseTable table)
    {
        for (int i = 0; i < Workers; i++)
        {
            fleet.Start("initial fleet");
        }

        await fleet.WaitForIdsAsync(TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(
            async () => await table.ListAsync() is { Count: Shards } leases && fleet.LeasesWithoutALiveOwner(leases).Count == 0,
            () => "the initial fleet holds every shard",
            TimeSpan.FromSeconds(60),
            TimeSpan.FromMilliseconds(250));
    }

    /// <summary>Records not delivered exactly once, workers that exited by themselves, ids not unique, too few kills.</summary>
    private static IEnumerable<string> OtherFailures(ProcessFleet fleet, FleetState state, DeliveryAudit audit, RecordLedger ledger)
    {
        if (!audit.IsExactlyOnce)
        {
            yield return audit.Describe(ledger);
        }

        foreach (string exit in state.UnexpectedExits())
        {
            yield return exit;
        }

        List<string> ids = [.. fleet.All.Select(worker => worker.WorkerId).OfType<string>()];
        if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Count)
        {
            yield return $"worker ids are not unique per process: {string.Join(", ", ids)}";
        }

        if (fleet.Kills < Kills)
        {
            yield return $"only {fleet.Kills} kills";
        }
    }

    /// <summary>
    /// Worker scope must have made objects that span shards, split by partition; else it tested nothing new. Once every
    /// shard has checkpointed at its end, every plan in the table is written or aborted: a plan left committed would be
    /// one whose shards went past it without its object, or one whose completion never finished.
    /// </summary>
    private static IEnumerable<string> WorkerScopeFailures(DeliveryAudit audit, PlanStates plans)
    {
        if (plans["committed"] is { Count: > 0 } committed)
        {
            yield return $"{committed.Count} plans are still committed, never marked written, after the drain: {string.Join(", ", committed.Take(5))}";
        }

        if (plans["written"].Count == 0)
        {
            yield return "the plan table holds no written plan";
        }

        // An aborted plan (a fence that failed, or a tombstone a next owner put) must never have been written: no object
        // of several shards may have its id. Its ranges' records are in objects of their own, which the audit counts;
        // a plan of one range has the id of that range's own batch, so its object exists, with one shard's records.
        // A written plan has at least one object, which shows the object ids are worked out as the workers do.
        foreach (string planId in plans["aborted"])
        {
            if (ObjectOf(audit, planId) is { } written && audit.MultiShardKeys.Contains(written))
            {
                yield return $"plan {planId} is aborted in the plan table, yet its object {written} of several shards exists";
            }
        }

        foreach (string planId in plans["written"])
        {
            if (ObjectOf(audit, planId) is null)
            {
                yield return $"plan {planId} is written in the plan table, yet no object of it exists";
            }
        }

        if (audit.MultiShardObjects == 0)
        {
            yield return "no object holds records of more than one shard: worker-scope buffering made no plan";
        }

        foreach (string kind in new[] { "plain", "kpl" })
        {
            if (!audit.Keys.Any(key => key.Contains($"/kind={kind}/", StringComparison.Ordinal)))
            {
                yield return $"no object under the partition kind={kind}";
            }
        }
    }

    // The chaos pipeline partitions by kind=plain|kpl; an object's key ends in its partition's id within the plan.
    private static string? ObjectOf(DeliveryAudit audit, string planId)
    {
        string[] objectIds = [.. new[] { "plain", "kpl" }.Select(kind => new PartitionKeys(new Dictionary<string, string> { ["kind"] = kind }, null).ObjectIdFor(planId))];
        return audit.Keys.FirstOrDefault(key => objectIds.Any(id => key.Contains(id, StringComparison.Ordinal)));
    }

    private static int Seed() =>
        Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } text
            ? int.Parse(text, CultureInfo.InvariantCulture)
            : Random.Shared.Next();

    /// <summary>Pages of 10-40 entries every 100-250 ms until stopped; a page being put when the stop comes is finished.</summary>
    private static async Task ProduceAsync(RecordLedger ledger, Random random, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await ledger.PutAsync(ledger.NextPage(random, random.Next(10, 41)));
            try
            {
                await Task.Delay(random.Next(100, 251), stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private static async Task QuietlyAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception)
        {
            // Reported by the test body when it awaited the producer.
        }
    }

    [GeneratedRegex(@"shardId-\d+")]
    private static partial Regex ShardId();
}
