namespace Delivery.Kinesis.Leases;

/// <summary>
/// Decides what a worker does with the lease table in a round. A lease is expired when its counter has not moved for a
/// full lease duration as seen by this worker's own clock (clocks of different workers are never compared). A worker
/// aims at ceil(active leases / live workers); it takes back leases the table says are its own, takes free leases, then
/// expired ones, and never takes a child shard while one of its parents is still being read. When nothing is free or
/// expired and it is still below its share, it asks the most loaded worker to hand over one lease. Live workers are
/// those that renew a lease: a worker that died, or that asked for a lease and died, stops counting one lease duration
/// after its last renewal, so it never holds a share of the stream that nobody reads.
/// </summary>
/// <remarks>
/// Pure policy over what the table showed; the coordinator does the I/O. A handoff is asked for only from a worker that
/// holds at least two leases more than this one, so each handoff lowers the sum of squared loads: balancing converges
/// and cannot oscillate, whatever order workers join and leave in, and at most one lease per round is moved.
/// </remarks>
public sealed class LeaseTaker
{
    private readonly string _workerId;
    private readonly TimeSpan _leaseDuration;
    private readonly TimeSpan _requestLifetime;
    private readonly TimeProvider _timeProvider;
    private static readonly IReadOnlySet<string> NoKeys = new HashSet<string>();
    private readonly Dictionary<string, Observation> _observations = [];

    /// <param name="workerId">This worker.</param>
    /// <param name="leaseDuration">How long a lease whose counter does not move stays valid.</param>
    /// <param name="timeProvider">The worker's clock; other workers' clocks are never compared with it.</param>
    /// <param name="handoffTimeout">
    /// How long an owner may take to drain a lease once asked (default 30 s). A request is answered within about that,
    /// plus a third of a lease duration to notice it, the time to cancel what is still being delivered (up to 30 s) and
    /// a round for the requester to take the lease up. A request still pending after twice the timeout, 30 s and three
    /// lease durations was not answered and no longer counts for anyone, so the requester may ask elsewhere.
    /// </param>
    public LeaseTaker(string workerId, TimeSpan leaseDuration, TimeProvider timeProvider, TimeSpan? handoffTimeout = null)
    {
        _workerId = workerId;
        _leaseDuration = leaseDuration;
        _timeProvider = timeProvider;
        _requestLifetime = (2 * (handoffTimeout ?? TimeSpan.FromSeconds(30))) + TimeSpan.FromSeconds(30) + (3 * leaseDuration);
    }

    /// <summary>
    /// Plans a round, given every lease in the table and the keys this worker runs consumers for. Leases in
    /// <paramref name="avoid"/> (shards this worker is backing off from after failures) are neither taken nor asked for.
    /// </summary>
    public LeaseTakePlan Plan(IReadOnlyList<Lease> leases, IReadOnlySet<string> heldKeys, IReadOnlySet<string>? avoid = null)
    {
        ArgumentNullException.ThrowIfNull(leases);
        ArgumentNullException.ThrowIfNull(heldKeys);
        long now = _timeProvider.GetTimestamp();
        var byKey = leases.ToDictionary(lease => lease.LeaseKey);
        foreach (string gone in _observations.Keys.Where(key => !byKey.ContainsKey(key)).ToList())
        {
            _observations.Remove(gone);
        }

        var seen = new List<SeenLease>(leases.Count);
        foreach (Lease lease in leases)
        {
            Observation observation = Observe(lease, now);
            bool expired = lease.Owner is not null && _timeProvider.GetElapsedTime(observation.CounterSince, now) >= _leaseDuration;
            bool requestOverdue = lease.PendingOwner is not null && _timeProvider.GetElapsedTime(observation.RequestSince, now) >= _requestLifetime;
            seen.Add(new SeenLease(lease, expired, requestOverdue, ParentsAreDone(lease, byKey)));
        }

        var view = new TableView(_workerId, heldKeys, avoid ?? NoKeys, seen);
        int target = view.Target;
        int wanted = target - view.MyLoad;
        IReadOnlyList<Lease> candidates = wanted > 0 ? [.. view.Free.OrderBy(Rank), .. view.Expired.OrderBy(Rank)] : [];
        Lease? handoff = wanted > 0 && candidates.Count == 0 ? ChooseHandoff(view, target, wanted) : null;
        return new LeaseTakePlan(target, [.. view.Reclaim], candidates, Math.Max(wanted, 0), handoff);
    }

    private static bool ParentsAreDone(Lease lease, Dictionary<string, Lease> byKey) =>
        lease.ParentShardIds.All(parent => !byKey.TryGetValue(parent, out Lease? parentLease) || parentLease.IsShardEnded);

    /// <summary>
    /// Since when, by this worker's clock, the lease's counter and owner have been what they are now, and since when its
    /// handoff request has been pending (a request does not move the counter, and renewals do not end a request).
    /// </summary>
    private Observation Observe(Lease lease, long now)
    {
        if (!_observations.TryGetValue(lease.LeaseKey, out Observation? previous))
        {
            return _observations[lease.LeaseKey] = new Observation(lease.Counter, lease.Owner, now, lease.PendingOwner, now);
        }

        bool sameHolder = previous.Counter == lease.Counter && previous.Owner == lease.Owner;
        bool sameRequest = previous.PendingOwner == lease.PendingOwner && previous.Owner == lease.Owner;
        return _observations[lease.LeaseKey] = new Observation(
            lease.Counter,
            lease.Owner,
            sameHolder ? previous.CounterSince : now,
            lease.PendingOwner,
            sameRequest ? previous.RequestSince : now);
    }

    /// <summary>
    /// One lease of the most loaded worker, if it holds more than the target (or exactly the target while this worker
    /// needs more than one), and at least two more than this worker.
    /// </summary>
    private Lease? ChooseHandoff(TableView view, int target, int wanted)
    {
        if (view.RequestedByMe > 0)
        {
            // One handoff at a time: the one asked for already counts towards this worker's load.
            return null;
        }

        (string Worker, int Load)? mostLoaded = view.Loads
            .Where(pair => pair.Key != _workerId)
            .OrderByDescending(pair => pair.Value)
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => ((string, int)?)(pair.Key, pair.Value))
            .FirstOrDefault();
        if (mostLoaded is not { } victim || victim.Load < view.MyLoad + 2 || (victim.Load <= target && !(victim.Load == target && wanted > 1)))
        {
            return null;
        }

        return view.Handoverable(victim.Worker).OrderBy(Rank).FirstOrDefault();
    }

    /// <summary>
    /// A per-worker order of leases: workers racing for the same leases try them in different orders, so most of their
    /// takes succeed at the first attempt.
    /// </summary>
    private ulong Rank(Lease lease)
    {
        // FNV-1a over the worker id and the lease key: stable across processes, unlike string.GetHashCode.
        ulong hash = 14695981039346656037;
        foreach (char c in _workerId + "\n" + lease.LeaseKey)
        {
            hash = (hash ^ c) * 1099511628211;
        }

        return hash;
    }

    private sealed record Observation(long Counter, string? Owner, long CounterSince, string? PendingOwner, long RequestSince);

    private readonly record struct SeenLease(Lease Lease, bool Expired, bool RequestOverdue, bool ParentsDone);

    /// <summary>What one table listing says about loads and candidates.</summary>
    /// <remarks>
    /// A worker is live while it renews a lease (an owner whose lease has not expired); this worker always is. A handoff
    /// request is in force while its owner renews the lease, its requester is live (or is this worker, which knows it is)
    /// and it is not overdue: only then does the lease count for the requester. A request on an expired lease counts for
    /// nobody, and the lease is takeable by anyone, so a dead owner or a dead requester never holds a shard back.
    /// </remarks>
    private sealed class TableView
    {
        private readonly string _workerId;
        private readonly IReadOnlySet<string> _heldKeys;
        private readonly IReadOnlySet<string> _avoid;
        private readonly HashSet<string> _live;
        private readonly Dictionary<string, List<Lease>> _handoverable = new(StringComparer.Ordinal);
        private readonly HashSet<string> _leavingMine = new(StringComparer.Ordinal);
        private int _active;

        public TableView(string workerId, IReadOnlySet<string> heldKeys, IReadOnlySet<string> avoid, IReadOnlyList<SeenLease> leases)
        {
            _workerId = workerId;
            _heldKeys = heldKeys;
            _avoid = avoid;
            _live = new HashSet<string>(StringComparer.Ordinal) { workerId };
            foreach (SeenLease seen in leases)
            {
                if (seen.Lease.Owner is { } owner && !seen.Expired)
                {
                    _live.Add(owner);
                }
            }

            foreach (SeenLease seen in leases)
            {
                Add(seen);
            }
        }

        public Dictionary<string, int> Loads { get; } = new(StringComparer.Ordinal);

        public List<Lease> Reclaim { get; } = [];

        public List<Lease> Free { get; } = [];

        public List<Lease> Expired { get; } = [];

        public int RequestedByMe { get; private set; }

        public int Target => (_active + _live.Count - 1) / _live.Count;

        /// <summary>Leases this worker runs and keeps, plus those handed to it (reclaimed or asked for).</summary>
        public int MyLoad => _heldKeys.Count(key => !_leavingMine.Contains(key)) + Reclaim.Count + RequestedByMe;

        public List<Lease> Handoverable(string owner)
        {
            if (!_handoverable.TryGetValue(owner, out List<Lease>? leases))
            {
                _handoverable[owner] = leases = [];
            }

            return leases;
        }

        private void Add(SeenLease seen)
        {
            Lease lease = seen.Lease;
            if (lease.IsShardEnded)
            {
                return;
            }

            _active++;
            if (lease.Owner is { } owner && !seen.Expired)
            {
                if (lease.PendingOwner is { } requester && !seen.RequestOverdue && _live.Contains(requester))
                {
                    // A handoff in force counts for the worker that will hold the lease.
                    AddLoad(requester);
                    RequestedByMe += requester == _workerId ? 1 : 0;
                    if (owner == _workerId)
                    {
                        _leavingMine.Add(lease.LeaseKey);
                    }
                }
                else if (owner != _workerId)
                {
                    AddLoad(owner);
                    if (lease.PendingOwner is null && seen.ParentsDone && !_avoid.Contains(lease.LeaseKey))
                    {
                        Handoverable(owner).Add(lease);
                    }
                }
            }

            if (_heldKeys.Contains(lease.LeaseKey) || !seen.ParentsDone || _avoid.Contains(lease.LeaseKey))
            {
                return;
            }

            if (lease.Owner == _workerId)
            {
                // The table says it is ours but this process does not run it: handed over to us, or left by a restart
                // with a fixed worker id. Take it up at once, whatever the target, or it would expire unread.
                Reclaim.Add(lease);
            }
            else if (lease.Owner is null)
            {
                Free.Add(lease);
            }
            else if (seen.Expired)
            {
                Expired.Add(lease);
            }
        }

        private void AddLoad(string worker) => Loads[worker] = Loads.GetValueOrDefault(worker) + 1;
    }
}

/// <summary>What a worker does in one lease round.</summary>
/// <param name="Target">This worker's fair share: ceil(active leases / live workers).</param>
/// <param name="Reclaim">Leases the table says are this worker's but that it does not run: take every one.</param>
/// <param name="Candidates">Free leases, then expired ones, in the order to try them.</param>
/// <param name="Wanted">How many of <paramref name="Candidates"/> to take; try further ones when a take fails.</param>
/// <param name="HandoffRequest">A lease to ask its owner to hand over, or null.</param>
public sealed record LeaseTakePlan(int Target, IReadOnlyList<Lease> Reclaim, IReadOnlyList<Lease> Candidates, int Wanted, Lease? HandoffRequest);
