using System.Text.RegularExpressions;
using Delivery.IntegrationTests.EndToEnd;

namespace Delivery.IntegrationTests.Chaos;

/// <summary>
/// One worker process of a <see cref="ProcessFleet"/>: its name in the test, the worker id it logged when it started
/// (unique per process), and what it has done so far that the chaos waits for.
/// </summary>
internal sealed partial class FleetWorker
{
    private readonly TaskCompletionSource<string> _workerId = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstLeaseAction = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WorkerProcess? _process;

    public FleetWorker(string name, TimeSpan startedAt)
    {
        Name = name;
        StartedAt = startedAt;
    }

    /// <summary>The name given in the configuration (<c>Delivery:WorkerId</c>), such as "w07"; the worker id starts with it.</summary>
    public string Name { get; }

    public TimeSpan StartedAt { get; }

    public WorkerProcess Process => _process ?? throw new InvalidOperationException($"{Name} has not started.");

    /// <summary>The worker id, once the worker has logged it.</summary>
    public string? WorkerId => _workerId.Task.IsCompleted ? _workerId.Task.Result : null;

    /// <summary>Completes with the worker id when the worker logs that it is starting.</summary>
    public Task<string> WorkerIdLogged => _workerId.Task;

    /// <summary>Completes when the worker first takes a lease or asks another worker to hand one over.</summary>
    public Task FirstLeaseAction => _firstLeaseAction.Task;

    /// <summary>Set when the test killed it, with when.</summary>
    public TimeSpan? KilledAt { get; set; }

    /// <summary>Running: neither killed by the test nor exited by itself.</summary>
    public bool IsLive => KilledAt is null && !Process.HasExited;

    /// <summary>Exited without the test killing it: a crash or a deliberate exit of the worker.</summary>
    public bool ExitedByItself => KilledAt is null && Process.HasExited;

    public string Label => WorkerId ?? Name + " (no id logged yet)";

    public void Attach(WorkerProcess process) => _process = process;

    /// <summary>Reads one line of the worker's output; returns a handoff request it names, if any.</summary>
    public HandoffRequest? OnLine(string line, TimeSpan at)
    {
        if (StartingEvent().Match(line) is { Success: true } starting)
        {
            _workerId.TrySetResult(starting.Groups["id"].Value);
            return null;
        }

        if (TakenEvent().IsMatch(line))
        {
            _firstLeaseAction.TrySetResult();
            return null;
        }

        if (HandoffRequestedEvent().Match(line) is { Success: true } request)
        {
            _firstLeaseAction.TrySetResult();
            return new HandoffRequest(request.Groups["requester"].Value, request.Groups["owner"].Value, request.Groups["shard"].Value, at);
        }

        return null;
    }

    /// <summary>
    /// The last <paramref name="entries"/> log entries (the simple console format's category line and message as one),
    /// runs of identical entries, such as idle lease rounds, shown once with their count.
    /// </summary>
    public string Tail(int entries)
    {
        string[] all = _process?.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries) ?? [];
        var grouped = new List<(string Entry, int Count)>();
        string? current = null;
        foreach (string line in all)
        {
            if (current is not null && line.StartsWith(' '))
            {
                current += " | " + line.Trim();
                continue;
            }

            Add(current);
            current = line.TrimEnd();
        }

        Add(current);
        return string.Join('\n', grouped.TakeLast(entries).Select(pair => pair.Count > 1 ? $"{pair.Entry}   (x{pair.Count})" : pair.Entry));

        void Add(string? entry)
        {
            if (entry is null)
            {
                return;
            }

            if (grouped.Count > 0 && grouped[^1].Entry == entry)
            {
                grouped[^1] = (entry, grouped[^1].Count + 1);
            }
            else
            {
                grouped.Add((entry, 1));
            }
        }
    }

    /// <summary>The lines of output that mention <paramref name="text"/>, the last <paramref name="lines"/> of them with the line before each (the simple console format puts the category there).</summary>
    public IEnumerable<string> LinesMentioning(string text, int lines)
    {
        string[] all = _process?.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries) ?? [];
        return all.Select((line, index) => (line, index))
            .Where(pair => pair.line.Contains(text, StringComparison.Ordinal))
            .TakeLast(lines)
            .Select(pair => (pair.index > 0 ? all[pair.index - 1].Trim() + " " : "") + pair.line.Trim());
    }

    /// <summary>Warnings, errors and critical entries (category line and message as one), in order.</summary>
    public IEnumerable<string> Problems()
    {
        string[] all = _process?.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries) ?? [];
        for (int i = 0; i < all.Length; i++)
        {
            if (all[i].StartsWith("warn:", StringComparison.Ordinal) || all[i].StartsWith("fail:", StringComparison.Ordinal) || all[i].StartsWith("crit:", StringComparison.Ordinal))
            {
                // The message and, for an exception, its first line (type and message) follow, indented.
                yield return string.Join(" | ", all.Skip(i).Take(3).TakeWhile((line, index) => index == 0 || line.StartsWith(' ')).Select(line => line.Trim()));
            }
        }
    }

    /// <summary>The messages (without their category line) that contain any of <paramref name="texts"/>, in order.</summary>
    public IEnumerable<string> LinesMentioningAny(IReadOnlyList<string> texts)
    {
        string[] all = _process?.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries) ?? [];
        return all.Where(line => texts.Any(text => line.Contains(text, StringComparison.Ordinal))).Select(line => line.Trim());
    }

    [GeneratedRegex(@"Delivery worker (?<id>\S+) starting")]
    private static partial Regex StartingEvent();

    [GeneratedRegex(@"Worker \S+ took the lease of shard ")]
    private static partial Regex TakenEvent();

    [GeneratedRegex(@"Worker (?<requester>\S+) asked (?<owner>\S+) to hand over the lease of shard (?<shard>\S+) ")]
    private static partial Regex HandoffRequestedEvent();
}

/// <summary>A handoff request a worker logged: who asked whom for which shard, and when (test clock).</summary>
internal sealed record HandoffRequest(string Requester, string Owner, string ShardId, TimeSpan At);
