using System.Text;
using Amazon.S3;
using Delivery.IntegrationTests.EndToEnd;
using Delivery.Kinesis.Leases;
using Delivery.Testing;
using Xunit.Abstractions;

namespace Delivery.IntegrationTests.Chaos;

/// <summary>
/// The checks a drained fleet must pass, each problem named exactly (the shard, how far behind, the dead worker), and
/// the failure report: what is wrong, the lease table as stored, and each worker's last log lines.
/// </summary>
internal sealed class FleetState(ProcessFleet fleet, LeaseTable table, RecordLedger ledger, IAmazonS3 s3, DeliveryScenario scenario)
{
    private const string Prefix = "e2e/";

    /// <summary>
    /// What keeps the fleet from being drained now: shards whose checkpoint is short of the last record put, and leases
    /// without a live owner or with a dead requester (with <paramref name="noPendingOwner"/>, with any requester).
    /// </summary>
    public async Task<List<string>> DrainProblemsAsync(int expectedLeases, bool noPendingOwner = false)
    {
        IReadOnlyList<Lease> leases = await table.ListAsync();
        var problems = new List<string>();
        if (leases.Count != expectedLeases)
        {
            problems.Add($"the table holds {leases.Count} leases, not {expectedLeases}");
        }

        IReadOnlyDictionary<string, RecordLedger.PutUserRecord> put = ledger.ById;
        foreach ((string shard, ShardPosition last) in ledger.LastPositionByShard.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            Lease? lease = leases.FirstOrDefault(lease => lease.LeaseKey == shard);
            if (lease is null)
            {
                problems.Add($"{shard} has no lease");
                continue;
            }

            if (lease.Checkpoint.Position is { } checkpoint && checkpoint == last)
            {
                continue;
            }

            int behind = put.Values.Count(record => record.ShardId == shard && (lease.Checkpoint.Position is not { } at || record.Position > at));
            string owner = lease.Owner is { } id ? $"{id} ({fleet.StatusOf(id)})" : "nobody";
            problems.Add($"{shard} is behind: checkpoint {lease.Checkpoint}, last record put {last}, {behind} records after the checkpoint; owner {owner}" +
                (lease.PendingOwner is { } pending ? $", pendingOwner {pending} ({fleet.StatusOf(pending)})" : ""));
        }

        problems.AddRange(fleet.LeasesWithoutALiveOwner(leases));
        if (noPendingOwner)
        {
            problems.AddRange(leases.Where(lease => lease.PendingOwner is { } pending && fleet.IsLive(pending))
                .Select(lease => $"{lease.LeaseKey} still has pendingOwner {lease.PendingOwner} ({fleet.StatusOf(lease.PendingOwner!)})"));
        }

        return problems;
    }

    /// <summary>Waits until <see cref="DrainProblemsAsync"/> finds nothing; returns the problems left at the timeout (empty when drained).</summary>
    public async Task<List<string>> WaitForDrainAsync(int expectedLeases, TimeSpan timeout, bool noPendingOwner = false)
    {
        List<string> problems = [];
        try
        {
            await Eventually.TrueAsync(
                async () => (problems = await DrainProblemsAsync(expectedLeases, noPendingOwner)).Count == 0,
                () => string.Join("; ", problems),
                timeout,
                TimeSpan.FromMilliseconds(250));
        }
        catch (TimeoutException)
        {
        }

        return problems;
    }

    public Task<DeliveryAudit> AuditAsync() => DeliveryAudit.RunAsync(s3, scenario.BucketName, Prefix, ledger);

    /// <summary>Workers that exited without being killed, with their exit code and last lines.</summary>
    public List<string> UnexpectedExits() =>
        [.. fleet.All.Where(worker => worker.ExitedByItself).Select(worker =>
            $"{worker.Label} exited by itself with code {worker.Process.ExitCode}; its last lines:{Environment.NewLine}{worker.Tail(25)}")];

    /// <summary>
    /// Writes the failure report to the test output (timeline, lease table, log lines about the shards in trouble, the
    /// tail of every worker's log) and returns the part that goes into the assertion message.
    /// </summary>
    public async Task<string> ReportAsync(ITestOutputHelper output, string headline, IReadOnlyList<string> failures, IEnumerable<string> troubledShards)
    {
        ArgumentNullException.ThrowIfNull(output);
        string leaseDump = await table.DumpAsync(fleet.StatusOf);
        var message = new StringBuilder(headline).AppendLine();
        foreach (string failure in failures)
        {
            message.AppendLine("- " + failure);
        }

        message.AppendLine(leaseDump);
        output.WriteLine("===== FAILURE");
        output.WriteLine(message.ToString());
        output.WriteLine("===== Timeline");
        output.WriteLine(fleet.Timeline());
        output.WriteLine("===== Warnings and errors the workers logged");
        output.WriteLine(fleet.ProblemsLogged());
        output.WriteLine("===== Handoff requests logged");
        output.WriteLine(string.Join(Environment.NewLine, fleet.HandoffRequests.Select(request => $"+{request.At.TotalSeconds:0.0} s {request.Requester} asked {request.Owner} for {request.ShardId}")));
        output.WriteLine(fleet.LinesAbout(troubledShards.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal), perWorker: 8));
        output.WriteLine("===== Worker logs");
        output.WriteLine(fleet.LogTails(liveEntries: 40, deadEntries: 12));
        return message.ToString();
    }
}
