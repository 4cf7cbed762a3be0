using System.Diagnostics;
using System.Globalization;
using System.Text;
using Delivery.IntegrationTests.EndToEnd;
using Delivery.Kinesis.Leases;
using Delivery.Testing;

namespace Delivery.IntegrationTests.Chaos;

/// <summary>
/// Worker processes (the built <c>Delivery.Worker</c>) sharing one pipeline configuration, each started under a fresh
/// name (w01, w02...) and known by the worker id it logs. Keeps a timeline of what the test did to them, the handoff
/// requests they logged, and which of them are alive, so a lease owner can be told live or dead. Disposing kills every
/// process still running, whatever happened to the test.
/// </summary>
internal sealed class ProcessFleet(LocalAwsStack stack, IReadOnlyDictionary<string, string> settings) : IAsyncDisposable
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private readonly List<FleetWorker> _workers = [];
    private readonly List<string> _timeline = [];
    private readonly List<HandoffRequest> _handoffRequests = [];
    private readonly Dictionary<string, string> _deadBeforeStart = new(StringComparer.Ordinal);

    public TimeSpan Elapsed => _clock.Elapsed;

    public IReadOnlyList<FleetWorker> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _workers];
            }
        }
    }

    public IReadOnlyList<FleetWorker> Live => [.. All.Where(worker => worker.IsLive)];

    public int Kills => All.Count(worker => worker.KilledAt is not null);

    public IReadOnlyList<HandoffRequest> HandoffRequests
    {
        get
        {
            lock (_gate)
            {
                return [.. _handoffRequests];
            }
        }
    }

    public FleetWorker Start(string why)
    {
        FleetWorker worker;
        lock (_gate)
        {
            worker = new FleetWorker($"w{_workers.Count + 1:00}", _clock.Elapsed);
        }

        var withName = new Dictionary<string, string>(settings) { ["Delivery:WorkerId"] = worker.Name };
        worker.Attach(WorkerProcess.Start(stack, withName, onLine: line =>
        {
            if (worker.OnLine(line, _clock.Elapsed) is { } request)
            {
                lock (_gate)
                {
                    _handoffRequests.Add(request);
                }
            }
        }));
        lock (_gate)
        {
            _workers.Add(worker);
        }

        Note($"start {worker.Name} (pid {worker.Process.Id}): {why}");
        return worker;
    }

    /// <summary>SIGKILL: no drain, no checkpoint, no release.</summary>
    public async Task KillAsync(FleetWorker worker, string why)
    {
        ArgumentNullException.ThrowIfNull(worker);
        TimeSpan at = _clock.Elapsed;
        worker.KilledAt = at;
        await worker.Process.CrashAsync();
        Note($"kill {worker.Label}, up {(at - worker.StartedAt).TotalSeconds:0.0} s: {why}", at);
    }

    /// <summary>Waits until every live worker has logged its id.</summary>
    public async Task WaitForIdsAsync(TimeSpan timeout)
    {
        await Eventually.TrueAsync(
            () => Task.FromResult(Live.All(worker => worker.WorkerId is not null)),
            () => $"workers without a logged id: {string.Join(", ", Live.Where(worker => worker.WorkerId is null).Select(worker => worker.Name))}",
            timeout,
            TimeSpan.FromMilliseconds(100));
    }

    /// <summary>Names a worker id that was never a process of this fleet but is in the table from before (a crashed fleet's).</summary>
    public void RememberDead(string workerId, string what)
    {
        lock (_gate)
        {
            _deadBeforeStart[workerId] = what;
        }
    }

    /// <summary>"live w03", "dead: w02 killed at +12.3 s", "dead: w04 exited by itself...", or "unknown" for an id no process of this fleet logged.</summary>
    public string StatusOf(string workerId)
    {
        lock (_gate)
        {
            if (_deadBeforeStart.TryGetValue(workerId, out string? what))
            {
                return "dead: " + what;
            }
        }

        FleetWorker? worker = All.FirstOrDefault(candidate => candidate.WorkerId == workerId);
        return worker switch
        {
            null => "unknown: no process of this fleet",
            { IsLive: true } => $"live {worker.Name}",
            { KilledAt: { } at } => $"dead: {worker.Name} killed at +{at.TotalSeconds:0.0} s",
            _ => $"dead: {worker.Name} exited by itself with code {worker.Process.ExitCode}",
        };
    }

    public bool IsLive(string? workerId) => workerId is not null && Live.Any(worker => worker.WorkerId == workerId);

    /// <summary>Leases whose owner is not a live worker (dead, unknown or none), or whose requester is not.</summary>
    public List<string> LeasesWithoutALiveOwner(IEnumerable<Lease> leases) =>
        [.. leases.Where(lease => !lease.IsShardEnded).SelectMany(lease => new[]
        {
            lease.Owner is null ? $"{lease.LeaseKey} has no owner"
                : !IsLive(lease.Owner) ? $"{lease.LeaseKey} is owned by {lease.Owner} ({StatusOf(lease.Owner)})" : null,
            lease.PendingOwner is { } pending && !IsLive(pending) ? $"{lease.LeaseKey} has pendingOwner {pending} ({StatusOf(pending)})" : null,
        }.OfType<string>())];

    public void Note(string what, TimeSpan? at = null)
    {
        lock (_gate)
        {
            _timeline.Add($"+{(at ?? _clock.Elapsed).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s {what}");
        }
    }

    public string Timeline()
    {
        lock (_gate)
        {
            return string.Join(Environment.NewLine, _timeline);
        }
    }

    /// <summary>Each worker's status and the tail of its log: <paramref name="liveEntries"/> entries of a live one, fewer of a dead one.</summary>
    public string LogTails(int liveEntries, int deadEntries)
    {
        var text = new StringBuilder();
        foreach (FleetWorker worker in All)
        {
            string status = worker.WorkerId is { } id ? StatusOf(id) : worker.IsLive ? "live, no id logged yet" : "dead before it logged its id";
            text.AppendLine($"----- {worker.Name} {worker.WorkerId} ({status}), started +{worker.StartedAt.TotalSeconds:0.0} s; last log entries:");
            text.AppendLine(worker.Tail(worker.IsLive ? liveEntries : deadEntries));
        }

        return text.ToString();
    }

    /// <summary>Every lease taken, asked for, handed over or lost, per worker in the order it logged them.</summary>
    public string LeaseEvents()
    {
        string[] events = [" took the lease of shard ", " to hand over the lease of shard ", " handed the lease of shard ", " lost the lease of shard "];
        return string.Join(Environment.NewLine, All.SelectMany(worker => worker.LinesMentioningAny(events).Select(line => $"[{worker.Name}] {line}")));
    }

    /// <summary>The warnings and errors every worker logged, by category and event id, with a count and the first example.</summary>
    public string ProblemsLogged()
    {
        var byEvent = All.SelectMany(worker => worker.Problems().Select(entry => (worker.Name, Entry: entry)))
            .GroupBy(pair => pair.Entry.Split(" | ")[0], StringComparer.Ordinal)
            .Select(group => $"{group.Key} x{group.Count()} in {string.Join(",", group.Select(pair => pair.Name).Distinct())}, first: {string.Join(" | ", group.First().Entry.Split(" | ").Skip(1))}")
            .ToList();
        return byEvent.Count == 0 ? "no warnings or errors logged" : string.Join(Environment.NewLine, byEvent);
    }

    /// <summary>How many lines of every worker's log contain <paramref name="text"/>.</summary>
    public int CountLines(string text) => All.Sum(worker => worker.LinesMentioningAny([text]).Count());

    /// <summary>Per shard, the last lines of any worker's log that name it.</summary>
    public string LinesAbout(IEnumerable<string> shards, int perWorker)
    {
        var text = new StringBuilder();
        foreach (string shard in shards)
        {
            text.AppendLine($"----- log lines naming {shard}:");
            int found = 0;
            foreach (FleetWorker worker in All)
            {
                foreach (string line in worker.LinesMentioning(shard, perWorker))
                {
                    text.AppendLine($"[{worker.Name}] {line}");
                    found++;
                }
            }

            if (found == 0)
            {
                text.AppendLine("(no worker logged anything about it)");
            }
        }

        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (FleetWorker worker in All)
        {
            await worker.Process.DisposeAsync();
        }
    }
}
