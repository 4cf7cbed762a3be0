using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Delivery.IntegrationTests.EndToEnd;
using Delivery.Kinesis.Leases;
using Delivery.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.IntegrationTests.Fleet;

/// <summary>
/// Workers in the test process sharing one scenario (stream, lease table, bucket), one log in the order things
/// happened, and one record of S3 writes; plus the outside view of the lease table.
/// </summary>
internal sealed partial class Fleet : IAsyncDisposable
{
    public const int LeaseDurationSeconds = 3;
    private readonly LocalAwsStack _stack;
    private readonly DeliveryScenario _scenario;
    private readonly AmazonDynamoDBClient _dynamoDb;
    private readonly DynamoDbLeaseStore _table;

    public Fleet(LocalAwsStack stack, DeliveryScenario scenario)
    {
        _stack = stack;
        _scenario = scenario;
        _dynamoDb = stack.CreateDynamoDbClient();
        _table = new DynamoDbLeaseStore(_dynamoDb, scenario.TableName, false, TimeProvider.System, NullLogger<DynamoDbLeaseStore>.Instance);
    }

    public CapturingLoggerProvider Log { get; } = new();

    public S3WriteLog S3Writes { get; } = new();

    public List<FleetHost> Hosts { get; } = [];

    public static TimeSpan LeaseDuration => TimeSpan.FromSeconds(LeaseDurationSeconds);

    public async Task<FleetHost> StartAsync(string name)
    {
        FleetHost host = await FleetHost.StartAsync(name, _stack, _scenario.WorkerSettings(LeaseDurationSeconds), Log, S3Writes);
        Hosts.Add(host);
        return host;
    }

    public Task<IReadOnlyList<Lease>> LeasesAsync() => _table.ListLeasesAsync(CancellationToken.None);

    /// <summary>Leases of unfinished shards per worker name, largest first; null while a handoff is under way.</summary>
    public async Task<int[]?> LoadsAsync()
    {
        IReadOnlyList<Lease> leases = await LeasesAsync();
        if (leases.Any(lease => lease.PendingOwner is not null))
        {
            return null;
        }

        return [.. leases.Where(lease => !lease.IsShardEnded && lease.Owner is not null).GroupBy(lease => NameOf(lease.Owner!)).Select(group => group.Count()).OrderDescending()];
    }

    public async Task WaitForLoadsAsync(int[] expected, TimeSpan timeout)
    {
        int[]? loads = null;
        await WaitUntilAsync(
            async () => (loads = await LoadsAsync()) is { } now && now.SequenceEqual(expected),
            () => $"the leases are spread {string.Join('/', expected)} (last seen {(loads is null ? "a handoff" : string.Join('/', loads))})",
            timeout);
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            if (limit.IsCancellationRequested)
            {
                throw new TimeoutException($"Timed out waiting until {what()}.");
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }

    /// <summary>The shards whose lease the named worker owns.</summary>
    public async Task<List<Lease>> LeasesOfAsync(string name) =>
        [.. (await LeasesAsync()).Where(lease => lease.Owner is { } owner && NameOf(owner) == name)];

    /// <summary>
    /// Walks the shared log in order and checks that no worker started reading a shard before the previous reader of it
    /// had stopped. Returns the number of reading intervals seen.
    /// </summary>
    public int AssertNoShardWasReadByTwoWorkersAtOnce()
    {
        var reading = new Dictionary<string, string>(StringComparer.Ordinal);
        int intervals = 0;
        foreach (CapturedLog entry in Log.Entries)
        {
            if (ReadingEvent().Match(entry.Message) is not { Success: true } match)
            {
                continue;
            }

            string shard = match.Groups["shard"].Value;
            string worker = match.Groups["worker"].Value;
            if (entry.EventId.Name == "ShardReadingStarted")
            {
                if (reading.TryGetValue(shard, out string? other))
                {
                    throw new ShouldAssertException($"{worker} started reading {shard} while {other} was still reading it");
                }

                reading[shard] = worker;
                intervals++;
            }
            else if (entry.EventId.Name == "ShardReadingStopped")
            {
                reading.Remove(shard);
            }
        }

        return intervals;
    }

    /// <summary>Every S3 object key written more than once, with the writes.</summary>
    public List<IGrouping<string, S3Write>> ObjectsWrittenMoreThanOnce() =>
        [.. S3Writes.Writes.GroupBy(write => write.Path).Where(group => group.Count() > 1)];

    /// <summary>"w1" for "w1-3f2a...": the worker name in a lease owner.</summary>
    public static string NameOf(string owner) => owner[..owner.IndexOf('-', StringComparison.Ordinal)];

    public async ValueTask DisposeAsync()
    {
        foreach (FleetHost host in Hosts)
        {
            await host.DisposeAsync();
        }

        _dynamoDb.Dispose();
    }

    [GeneratedRegex(@"^Worker (?<worker>\S+) (starts|stopped) reading shard (?<shard>\S+) ")]
    private static partial Regex ReadingEvent();
}
