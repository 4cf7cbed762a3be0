namespace Delivery.Kinesis.Leases;

/// <summary>
/// Decides which leases a worker takes in a round. A lease is expired when its counter has not moved for a full lease
/// duration as seen by this worker's own clock (clocks of different workers are never compared). A worker aims at
/// ceil(active leases / live workers), takes free leases first and expired ones next, and never takes a child shard
/// while one of its parents is still being read.
/// </summary>
/// <remarks>Pure policy over what the table showed; the coordinator does the I/O.</remarks>
public sealed class LeaseTaker
{
    private readonly string _workerId;
    private readonly TimeSpan _leaseDuration;
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<string, Observation> _observations = [];

    public LeaseTaker(string workerId, TimeSpan leaseDuration, TimeProvider timeProvider)
    {
        _workerId = workerId;
        _leaseDuration = leaseDuration;
        _timeProvider = timeProvider;
    }

    /// <summary>Returns the leases to try to take, given every lease in the table and the keys this worker holds.</summary>
    public IReadOnlyList<Lease> SelectLeasesToTake(IReadOnlyList<Lease> leases, IReadOnlySet<string> heldKeys)
    {
        ArgumentNullException.ThrowIfNull(leases);
        ArgumentNullException.ThrowIfNull(heldKeys);
        long now = _timeProvider.GetTimestamp();
        var byKey = leases.ToDictionary(lease => lease.LeaseKey);
        foreach (string gone in _observations.Keys.Where(key => !byKey.ContainsKey(key)).ToList())
        {
            _observations.Remove(gone);
        }

        var available = new List<(Lease Lease, bool Free)>();
        var liveWorkers = new HashSet<string>(StringComparer.Ordinal) { _workerId };
        int activeLeases = 0;
        foreach (Lease lease in leases)
        {
            if (!_observations.TryGetValue(lease.LeaseKey, out Observation? seen) || seen.Counter != lease.Counter || seen.Owner != lease.Owner)
            {
                _observations[lease.LeaseKey] = seen = new Observation(lease.Counter, lease.Owner, now);
            }

            if (lease.IsShardEnded)
            {
                continue;
            }

            activeLeases++;
            bool expired = lease.Owner is not null && _timeProvider.GetElapsedTime(seen.ObservedAt, now) >= _leaseDuration;
            if (lease.Owner is not null && !expired)
            {
                liveWorkers.Add(lease.Owner);
            }

            if (heldKeys.Contains(lease.LeaseKey) || !ParentsAreDone(lease, byKey))
            {
                continue;
            }

            // A lease the table says is ours but that this process does not run (a restart with a fixed worker id)
            // is taken back at once rather than after it expires.
            if (lease.Owner is null || lease.Owner == _workerId)
            {
                available.Add((lease, true));
            }
            else if (expired)
            {
                available.Add((lease, false));
            }
        }

        int target = (activeLeases + liveWorkers.Count - 1) / liveWorkers.Count;
        int wanted = target - heldKeys.Count;
        if (wanted <= 0)
        {
            return [];
        }

        return [.. available
            .OrderByDescending(candidate => candidate.Free)
            .ThenBy(candidate => candidate.Lease.LeaseKey, StringComparer.Ordinal)
            .Take(wanted)
            .Select(candidate => candidate.Lease)];
    }

    private static bool ParentsAreDone(Lease lease, Dictionary<string, Lease> byKey) =>
        lease.ParentShardIds.All(parent => !byKey.TryGetValue(parent, out Lease? parentLease) || parentLease.IsShardEnded);

    private sealed record Observation(long Counter, string? Owner, long ObservedAt);
}
