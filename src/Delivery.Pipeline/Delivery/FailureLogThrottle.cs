using System.Runtime.InteropServices;

namespace Delivery.Pipeline.Delivery;

/// <summary>What to log for one failed attempt.</summary>
internal enum FailureLogAction
{
    /// <summary>Nothing now: the attempt is counted into the next summary.</summary>
    Count,

    /// <summary>The failure in full, with its exception: the first after a quiet interval.</summary>
    LogFirst,

    /// <summary>A summary of the attempts counted since the last line, this one included.</summary>
    LogSummary,
}

/// <summary>What to log for a failed attempt and, for a summary, what it covers.</summary>
/// <param name="Action">Whether to log, and how.</param>
/// <param name="Attempts">Failed attempts the summary covers.</param>
/// <param name="Shards">Distinct shards those attempts were for.</param>
/// <param name="Since">When the first of them failed.</param>
internal readonly record struct FailureLogDecision(FailureLogAction Action, int Attempts, int Shards, DateTimeOffset Since);

/// <summary>A target delivers again after failing: how many attempts failed, since when.</summary>
internal sealed record FailureRecovery(int Attempts, DateTimeOffset Since);

/// <summary>
/// Keeps a failing destination's log at a bounded rate (DESIGN.md invariant 7). Per target (the destination, the
/// backup bucket), across all shards: the first failure after a quiet interval is logged in full; the attempts after it
/// are counted, and the next failure once the interval has passed logs them as one summary line; the first success
/// after a logged failure logs the recovery once. So a target that stays down writes one line a minute however many
/// shards and retries there are, and one that flaps writes no more. Every attempt still counts in the metrics.
/// </summary>
internal sealed class FailureLogThrottle(TimeProvider timeProvider, TimeSpan interval)
{
    /// <summary>How often a target that keeps failing is summarised by default.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, TargetState> _targets = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>An attempt to write to <paramref name="target"/> for <paramref name="shardId"/> failed.</summary>
    public FailureLogDecision Failed(string target, string shardId)
    {
        DateTimeOffset now = timeProvider.GetUtcNow();
        lock (_gate)
        {
            TargetState state = State(target);
            state.FailingSince ??= now;
            state.EpisodeAttempts++;
            state.Counted++;
            state.CountedSince ??= now;
            state.CountedShards.Add(shardId);
            if (state.LastLineAt is { } last && now - last < interval)
            {
                return new FailureLogDecision(FailureLogAction.Count, state.Counted, state.CountedShards.Count, state.CountedSince.Value);
            }

            // In full only when nothing of this run of failures is in the log yet and no earlier attempt is waiting in the
            // count; a target retried a minute apart would otherwise log every attempt in full.
            FailureLogAction action = !state.EpisodeLogged && state.Counted == 1 ? FailureLogAction.LogFirst : FailureLogAction.LogSummary;
            var decision = new FailureLogDecision(action, state.Counted, state.CountedShards.Count, state.CountedSince.Value);
            state.LastLineAt = now;
            state.EpisodeLogged = true;
            state.ResetCounted();
            return decision;
        }
    }

    /// <summary>A write to <paramref name="target"/> succeeded; returns the recovery to log, if a failure was logged since the last.</summary>
    public FailureRecovery? Succeeded(string target)
    {
        lock (_gate)
        {
            if (!_targets.TryGetValue(target, out TargetState? state) || state.FailingSince is not { } since)
            {
                return null;
            }

            // A failure nobody was told about (counted within a minute of the last line) needs no recovery line either;
            // its attempts stay counted for the next summary.
            FailureRecovery? recovery = state.EpisodeLogged ? new FailureRecovery(state.EpisodeAttempts, since) : null;
            if (recovery is not null)
            {
                state.ResetCounted();
            }

            state.FailingSince = null;
            state.EpisodeAttempts = 0;
            state.EpisodeLogged = false;
            return recovery;
        }
    }

    private TargetState State(string target) => CollectionsMarshal.GetValueRefOrAddDefault(_targets, target, out _) ??= new TargetState();

    private sealed class TargetState
    {
        /// <summary>The first failure since the target last delivered; null while it delivers.</summary>
        public DateTimeOffset? FailingSince { get; set; }

        /// <summary>Failed attempts since <see cref="FailingSince"/>.</summary>
        public int EpisodeAttempts { get; set; }

        /// <summary>Whether a line was logged for this run of failures, so its end is worth a line too.</summary>
        public bool EpisodeLogged { get; set; }

        public DateTimeOffset? LastLineAt { get; set; }

        /// <summary>Failed attempts in no line yet.</summary>
        public int Counted { get; set; }

        public DateTimeOffset? CountedSince { get; set; }

        public HashSet<string> CountedShards { get; } = new(StringComparer.Ordinal);

        public void ResetCounted()
        {
            Counted = 0;
            CountedSince = null;
            CountedShards.Clear();
        }
    }
}
