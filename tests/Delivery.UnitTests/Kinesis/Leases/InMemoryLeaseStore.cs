using Delivery.Kinesis.Leases;

namespace Delivery.UnitTests.Kinesis.Leases;

/// <summary>
/// A lease table in memory with the same conditional semantics as <see cref="DynamoDbLeaseStore"/>. It logs every
/// checkpoint write and can cut a worker off (as if its process died or lost the network).
/// </summary>
internal sealed class InMemoryLeaseStore : ILeaseStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Lease> _leases = new(StringComparer.Ordinal);
    private readonly HashSet<string> _cutOff = [];
    private readonly List<(string LeaseKey, string Owner, LeaseCheckpoint Checkpoint, IReadOnlyList<PlannedBatch> Pending)> _checkpoints = [];

    public int RequestCount;

    public IReadOnlyList<(string LeaseKey, string Owner, LeaseCheckpoint Checkpoint, IReadOnlyList<PlannedBatch> Pending)> CheckpointWrites
    {
        get
        {
            lock (_gate)
            {
                return [.. _checkpoints];
            }
        }
    }

    public Lease this[string key]
    {
        get
        {
            lock (_gate)
            {
                return _leases[key];
            }
        }
    }

    /// <summary>Every later call made on behalf of <paramref name="workerId"/> fails, as if the worker were gone.</summary>
    public void CutOff(string workerId)
    {
        lock (_gate)
        {
            _cutOff.Add(workerId);
        }
    }

    /// <summary>Another worker takes the lease behind this worker's back.</summary>
    public void Steal(string leaseKey, string thief)
    {
        lock (_gate)
        {
            Lease lease = _leases[leaseKey];
            _leases[leaseKey] = lease with { Owner = thief, Counter = lease.Counter + 1 };
        }
    }

    /// <summary>Renews every lease <paramref name="owner"/> holds, as a live worker elsewhere would.</summary>
    public void RenewAllOf(string owner)
    {
        lock (_gate)
        {
            foreach (Lease lease in _leases.Values.Where(lease => lease.Owner == owner).ToList())
            {
                _leases[lease.LeaseKey] = lease with { Counter = lease.Counter + 1 };
            }
        }
    }

    public Task EnsureTableAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<Lease>> ListLeasesAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            RequestCount++;
            return Task.FromResult<IReadOnlyList<Lease>>([.. _leases.Values]);
        }
    }

    public Task<Lease?> GetLeaseAsync(string leaseKey, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            RequestCount++;
            return Task.FromResult(_leases.GetValueOrDefault(leaseKey));
        }
    }

    public Task<bool> CreateLeaseIfNotExistsAsync(Lease lease, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            RequestCount++;
            return Task.FromResult(_leases.TryAdd(lease.LeaseKey, lease));
        }
    }

    public Task<Lease?> TryTakeLeaseAsync(Lease seen, string owner, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Enter(owner);
            Lease current = _leases[seen.LeaseKey];
            if (current.Counter != seen.Counter || current.Owner != seen.Owner)
            {
                return Task.FromResult<Lease?>(null);
            }

            Lease taken = current with
            {
                Owner = owner,
                Counter = current.Counter + 1,
                OwnerSwitchesSinceCheckpoint = current.OwnerSwitchesSinceCheckpoint + (current.Owner == owner ? 0 : 1),
            };
            _leases[seen.LeaseKey] = taken;
            return Task.FromResult<Lease?>(taken);
        }
    }

    public Task<Lease?> TryRenewLeaseAsync(Lease held, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Enter(held.Owner!);
            Lease current = _leases[held.LeaseKey];
            if (current.Owner != held.Owner || current.Counter != held.Counter)
            {
                return Task.FromResult<Lease?>(null);
            }

            Lease renewed = current with { Counter = current.Counter + 1 };
            _leases[held.LeaseKey] = renewed;
            return Task.FromResult<Lease?>(renewed);
        }
    }

    public Task UpdateCheckpointAsync(string leaseKey, string owner, LeaseCheckpoint checkpoint, IReadOnlyList<PlannedBatch> pendingBatches, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Enter(owner);
            Lease current = _leases[leaseKey];
            if (current.Owner != owner)
            {
                throw new LeaseLostException($"lease {leaseKey} is held by {current.Owner}, not {owner}");
            }

            _leases[leaseKey] = current with { Checkpoint = checkpoint, PendingBatches = [.. pendingBatches], OwnerSwitchesSinceCheckpoint = 0 };
            _checkpoints.Add((leaseKey, owner, checkpoint, [.. pendingBatches]));
            return Task.CompletedTask;
        }
    }

    public Task UpdateChildShardsAsync(string leaseKey, string owner, IReadOnlyList<string> childShardIds, CancellationToken cancellationToken) =>
        UpdateOwned(leaseKey, owner, lease => lease with { ChildShardIds = [.. childShardIds] });

    public Task UpdateStartingSequenceNumberAsync(string leaseKey, string owner, string sequenceNumber, CancellationToken cancellationToken) =>
        UpdateOwned(leaseKey, owner, lease => lease with { StartingSequenceNumber = sequenceNumber });

    public Task<bool> ReleaseLeaseAsync(Lease held, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Enter(held.Owner!);
            Lease current = _leases[held.LeaseKey];
            if (current.Owner != held.Owner)
            {
                return Task.FromResult(false);
            }

            _leases[held.LeaseKey] = current with { Owner = null, Counter = current.Counter + 1 };
            return Task.FromResult(true);
        }
    }

    private Task UpdateOwned(string leaseKey, string owner, Func<Lease, Lease> update)
    {
        lock (_gate)
        {
            Enter(owner);
            Lease current = _leases[leaseKey];
            if (current.Owner != owner)
            {
                throw new LeaseLostException($"lease {leaseKey} is held by {current.Owner}, not {owner}");
            }

            _leases[leaseKey] = update(current);
            return Task.CompletedTask;
        }
    }

    private void Enter(string owner)
    {
        RequestCount++;
        if (_cutOff.Contains(owner))
        {
            throw new HttpRequestException($"worker {owner} is cut off from the lease table");
        }
    }
}
