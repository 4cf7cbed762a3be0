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

    /// <remarks>
    /// Four copies run at once, each with its own stream, table and fresh worker. A worker tries expired leases in an order
    /// hashed from its random id, and one that happens to take the lease with the dead requester first also clears the
    /// requester; four copies make it all but certain that some worker does not.
    /// </remarks>
    [Fact]
    public async Task AFreshWorker_TakesEveryLeaseOfADeadOwner_AndTheOneADeadWorkerAskedFor_WithinTenLeaseDurations()
    {
        await RunAsync(copies: 4, shards: 4, liveWorkers: 1, deadOwnedShards: 4);
    }

    [Fact]
    public async Task TwoLiveWorkers_TakeTheShardOfADeadOwnerThatADeadWorkerAskedFor_WithinTenLeaseDurations()
    {
        await RunAsync(copies: 1, shards: 8, liveWorkers: 2, deadOwnedShards: 1);
    }

    private async Task RunAsync(int copies, int shards, int liveWorkers, int deadOwnedShards)
    {
        var cases = new List<DebrisCase>();
        try
        {
            for (int copy = 1; copy <= copies; copy++)
            {
                cases.Add(new DebrisCase(stack, copies > 1 ? $"copy {copy} of {copies}: " : ""));
            }

            await Task.WhenAll(cases.Select(debris => debris.SeedAsync(shards, deadOwnedShards, records: 400)));
            await Task.WhenAll(cases.Select(debris => debris.RunAsync(liveWorkers, shards)));
            var failed = new List<string>();
            foreach (DebrisCase debris in cases)
            {
                output.WriteLine(debris.Summary);
                output.WriteLine(debris.Seeded);
                output.WriteLine("Lease events: " + Environment.NewLine + debris.Fleet.LeaseEvents());
                if (debris.Failures.Count > 0)
                {
                    failed.Add(await debris.State.ReportAsync(output, debris.Summary, debris.Failures, FleetChaosTests.ShardsNamedIn(debris.Failures)));
                }
            }

            if (failed.Count > 0)
            {
                throw new ShouldAssertException($"{failed.Count} of {copies} failed:{Environment.NewLine}{string.Join(Environment.NewLine, failed)}");
            }
        }
        finally
        {
            foreach (DebrisCase debris in cases)
            {
                await debris.DisposeAsync();
            }
        }
    }

    /// <summary>One stream, table and bucket, seeded with a crashed fleet's leases, and the live workers sent in.</summary>
    private sealed class DebrisCase : IAsyncDisposable
    {
        private readonly DeliveryScenario _scenario;
        private readonly Amazon.S3.AmazonS3Client _s3;
        private readonly Amazon.DynamoDBv2.AmazonDynamoDBClient _dynamoDb;
        private readonly LeaseTable _table;
        private readonly RecordLedger _ledger;
        private readonly string _name;

        public DebrisCase(LocalAwsStack stack, string name)
        {
            _name = name;
            _scenario = new DeliveryScenario(stack);
            _s3 = stack.CreateS3Client();
            _dynamoDb = stack.CreateDynamoDbClient();
            _table = new LeaseTable(_dynamoDb, _scenario.TableName);
            _ledger = new RecordLedger(_scenario.Kinesis, _scenario.StreamName);
            Fleet = new ProcessFleet(stack, _scenario.WorkerSettings(LeaseDurationSeconds));
            State = new FleetState(Fleet, _table, _ledger, _s3, _scenario);
        }

        public ProcessFleet Fleet { get; }

        public FleetState State { get; }

        public List<string> Failures { get; } = [];

        public string Seeded { get; private set; } = "";

        public string Summary { get; private set; } = "";

        /// <summary>
        /// The first <paramref name="deadOwnedShards"/> shards are owned by a dead worker, the second of them (or the only
        /// one) also asked for by a dead worker; the rest are free. Then the records are put.
        /// </summary>
        public async Task SeedAsync(int shards, int deadOwnedShards, int records)
        {
            await _scenario.CreateAsync(shards);
            string deadOwner = "crashed-owner-" + Guid.NewGuid().ToString("N")[..12];
            string deadRequester = "crashed-requester-" + Guid.NewGuid().ToString("N")[..12];
            Fleet.RememberDead(deadOwner, "the seeded owner, never started");
            Fleet.RememberDead(deadRequester, "the seeded requester, never started");
            await _table.CreateAsync();
            List<string> shardIds = [.. (await _scenario.Kinesis.ListAllShardsAsync(_scenario.StreamName)).Select(shard => shard.ShardId).Order(StringComparer.Ordinal)];
            for (int i = 0; i < shardIds.Count; i++)
            {
                bool deadOwned = i < deadOwnedShards;
                bool requested = i == Math.Min(1, deadOwnedShards - 1);
                await _table.PutAsync(shardIds[i], deadOwned ? deadOwner : null, counter: 7, pendingOwner: deadOwned && requested ? deadRequester : null);
            }

            await _ledger.PutAsync(_ledger.Fixed(new Random(shards), records, aggregateEvery: 10));
            Seeded = _name + "seeded " + await _table.DumpAsync(Fleet.StatusOf);
        }

        /// <summary>Starts the live workers and waits up to ten lease durations, from when they are up, for the table to drain.</summary>
        public async Task RunAsync(int liveWorkers, int shards)
        {
            for (int i = 0; i < liveWorkers; i++)
            {
                Fleet.Start("a live worker");
            }

            await Fleet.WaitForIdsAsync(TimeSpan.FromSeconds(60));
            var since = Stopwatch.StartNew();
            // A single worker has no one to hand over to, so no lease may keep any pendingOwner; between two live
            // workers a balancing handoff may be under way when the table is read.
            List<string> problems = await State.WaitForDrainAsync(shards, Deadline, noPendingOwner: liveWorkers == 1);
            TimeSpan took = since.Elapsed;
            if (problems.Count > 0)
            {
                Failures.Add($"within ten lease durations ({Deadline.TotalSeconds:0} s) of the live workers' start:");
                Failures.AddRange(problems);
            }

            DeliveryAudit audit = await State.AuditAsync();
            if (!audit.IsExactlyOnce)
            {
                Failures.Add(audit.Describe(_ledger));
            }

            Failures.AddRange(State.UnexpectedExits());
            Summary = $"{_name}{liveWorkers} live worker(s), {shards} shards, {_ledger.Counts}; {audit.Objects} objects; " +
                (problems.Count == 0 ? $"drained in {took.TotalSeconds:0.0} s" : $"not drained after {took.TotalSeconds:0.0} s");
        }

        public async ValueTask DisposeAsync()
        {
            await Fleet.DisposeAsync();
            _scenario.Dispose();
            _s3.Dispose();
            _dynamoDb.Dispose();
        }
    }
}
