using Delivery.Kinesis.Leases;

namespace Delivery.UnitTests.Kinesis.Leases;

/// <summary>
/// A lease table in memory with the same conditional semantics as <see cref="DynamoDbLeaseStore"/>. It logs every
/// checkpoint write and every change of hands, counts requests by kind, and can cut a worker off (as if its process
/// died or lost the network).
/// </summary>
internal sealed class InMemoryLeaseStore : ILeaseStore
{
    private const string Other = "UpdateItem (take, release, handoff)";
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Lease> _leases = new(StringComparer.Ordinal);
    private readonly HashSet<string> _cutOff = [];
    private readonly List<(string LeaseKey, string Owner, LeaseCheckpoint Checkpoint, IReadOnlyList<PlannedBatch> Pending, long Tenure)> _checkpoints = [];
    private readonly List<OwnerChange> _history = [];
    private readonly Dictionary<string, int> _requests = new(StringComparer.Ordinal);
    private readonly HashSet<string> _loseRenewalReply = new(StringComparer.Ordinal);

    public int RequestCount
    {
        get
        {
            lock (_gate)
            {
                return _requests.Values.Sum();
            }
        }
    }

    /// <summary>Forgets the requests counted so far.</summary>
    public void ResetCounts()
    {
        lock (_gate)
        {
            _requests.Clear();
        }
    }

    /// <summary>Requests by operation, as DynamoDB would count them (Scan, UpdateItem, ...), updates by what they do.</summary>
    public IReadOnlyDictionary<string, int> Requests
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, int>(_requests);
            }
        }
    }

    public IReadOnlyList<(string LeaseKey, string Owner, LeaseCheckpoint Checkpoint, IReadOnlyList<PlannedBatch> Pending, long Tenure)> CheckpointWrites
    {
        get
        {
            lock (_gate)
            {
                return [.. _checkpoints];
            }
        }
    }

    /// <summary>Every change of a lease's owner, in the order the table saw them.</summary>
    public IReadOnlyList<OwnerChange> History
    {
        get
        {
            lock (_gate)
            {
                return [.. _history];
            }
        }
    }

    public IReadOnlyList<Lease> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _leases.Values];
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

    /// <summary>Lets a cut-off worker through again (a network partition that heals).</summary>
    public void Reconnect(string workerId)
    {
        lock (_gate)
        {
            _cutOff.Remove(workerId);
        }
    }

    /// <summary>Another worker takes the lease behind this worker's back.</summary>
    public void Steal(string leaseKey, string thief)
    {
        lock (_gate)
        {
            Lease lease = _leases[leaseKey];
            _leases[leaseKey] = lease with { Owner = thief, Counter = lease.Counter + 1, Tenure = lease.Counter + 1, PendingOwner = null };
            _history.Add(new OwnerChange(leaseKey, lease.Owner, thief, "stolen"));
        }
    }

    /// <summary>
    /// The next renewal of the lease is applied, but its reply never reaches the worker (a timeout or a reset connection
    /// after DynamoDB wrote the item).
    /// </summary>
    public void LoseNextRenewalReply(string leaseKey)
    {
        lock (_gate)
        {
            _loseRenewalReply.Add(leaseKey);
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

    /// <summary>When set, every listing of the table fails with it (the table became unusable for this worker).</summary>
    public Exception? ListingFailure { get; set; }

    public Task<IReadOnlyList<Lease>> ListLeasesAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Count("Scan");
            if (ListingFailure is { } failure)
            {
                throw failure;
            }

            return Task.FromResult<IReadOnlyList<Lease>>([.. _leases.Values]);
        }
    }

    public Task<Lease?> GetLeaseAsync(string leaseKey, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Count("GetItem");
            return Task.FromResult(_leases.GetValueOrDefault(leaseKey));
        }
    }

    public Task<bool> CreateLeaseIfNotExistsAsync(Lease lease, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Count("PutItem");
            return Task.FromResult(_leases.TryAdd(lease.LeaseKey, lease));
        }
    }

    public Task<Lease?> TryTakeLeaseAsync(Lease seen, string owner, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Enter(owner, Other);
            if (!_leases.TryGetValue(seen.LeaseKey, out Lease? current) || current.Counter != seen.Counter || current.Owner != seen.Owner)
            {
                return Task.FromResult<Lease?>(null);
            }

            Lease taken = current with
            {
                Owner = owner,
                Counter = current.Counter + 1,
                Tenure = current.Counter + 1,
                PendingOwner = null,
                OwnerSwitchesSinceCheckpoint = current.OwnerSwitchesSinceCheckpoint + (current.Owner == owner ? 0 : 1),
            };
            _leases[seen.LeaseKey] = taken;
            _history.Add(new OwnerChange(seen.LeaseKey, current.Owner, owner, "taken"));
            return Task.FromResult<Lease?>(taken);
        }
    }

    public Task<Lease?> TryRenewLeaseAsync(Lease held, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Enter(held.Owner!, "UpdateItem (renewal)");
            if (!_leases.TryGetValue(held.LeaseKey, out Lease? current) || current.Owner != held.Owner || current.Counter != held.Counter)
            {
                return Task.FromResult<Lease?>(null);
            }

            Lease renewed = current with { Counter = current.Counter + 1 };
            _leases[held.LeaseKey] = renewed;
            if (_loseRenewalReply.Remove(held.LeaseKey))
            {
                throw new HttpRequestException($"the reply to the renewal of {held.LeaseKey} was lost");
            }

            return Task.FromResult<Lease?>(renewed);
        }
    }

    public Task UpdateCheckpointAsync(Lease held, LeaseCheckpoint checkpoint, IReadOnlyList<PlannedBatch> pendingBatches, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Lease current = CurrentTenure(held, "UpdateItem (checkpoint)");
            _leases[held.LeaseKey] = current with { Checkpoint = checkpoint, PendingBatches = [.. pendingBatches], OwnerSwitchesSinceCheckpoint = 0 };
            _checkpoints.Add((held.LeaseKey, held.Owner!, checkpoint, [.. pendingBatches], held.Tenure));
            return Task.CompletedTask;
        }
    }

    public Task UpdateChildShardsAsync(Lease held, IReadOnlyList<string> childShardIds, CancellationToken cancellationToken) =>
        UpdateInTenure(held, lease => lease with { ChildShardIds = [.. childShardIds] });

    public Task UpdateStartingTimestampAsync(Lease held, DateTimeOffset timestamp, CancellationToken cancellationToken) =>
        UpdateInTenure(held, lease => lease with { StartingTimestamp = timestamp });

    public Task UpdateStartingSequenceNumberAsync(Lease held, string sequenceNumber, CancellationToken cancellationToken) =>
        UpdateInTenure(held, lease => lease with { StartingSequenceNumber = sequenceNumber });

    public Task<bool> ReleaseLeaseAsync(Lease held, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Enter(held.Owner!, Other);
            if (!IsCurrentTenure(held, out Lease? current))
            {
                return Task.FromResult(false);
            }

            _leases[held.LeaseKey] = current with { Owner = null, PendingOwner = null, Counter = current.Counter + 1 };
            _history.Add(new OwnerChange(held.LeaseKey, held.Owner, null, "released"));
            return Task.FromResult(true);
        }
    }

    public Task<bool> RequestHandoffAsync(Lease seen, string requester, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Enter(requester, Other);
            if (!_leases.TryGetValue(seen.LeaseKey, out Lease? current) || current.Owner != seen.Owner || current.Owner is null
                || current.Counter != seen.Counter || current.PendingOwner is not null)
            {
                return Task.FromResult(false);
            }

            _leases[seen.LeaseKey] = current with { PendingOwner = requester };
            return Task.FromResult(true);
        }
    }

    public Task<bool> WithdrawHandoffAsync(string leaseKey, string requester, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Enter(requester, Other);
            if (!_leases.TryGetValue(leaseKey, out Lease? current) || current.PendingOwner != requester)
            {
                return Task.FromResult(false);
            }

            _leases[leaseKey] = current with { PendingOwner = null };
            return Task.FromResult(true);
        }
    }

    public Task<bool> HandOffLeaseAsync(Lease held, string newOwner, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Enter(held.Owner!, Other);
            if (!IsCurrentTenure(held, out Lease? current) || current.PendingOwner != newOwner)
            {
                return Task.FromResult(false);
            }

            _leases[held.LeaseKey] = current with
            {
                Owner = newOwner,
                PendingOwner = null,
                Counter = current.Counter + 1,
                OwnerSwitchesSinceCheckpoint = current.OwnerSwitchesSinceCheckpoint + 1,
            };
            _history.Add(new OwnerChange(held.LeaseKey, held.Owner, newOwner, "handed over"));
            return Task.FromResult(true);
        }
    }

    public Task<bool> DeleteLeaseAsync(Lease seen, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Count("DeleteItem");
            if (!_leases.TryGetValue(seen.LeaseKey, out Lease? current) || current.Counter != seen.Counter)
            {
                return Task.FromResult(false);
            }

            _leases.Remove(seen.LeaseKey);
            return Task.FromResult(true);
        }
    }

    private Task UpdateInTenure(Lease held, Func<Lease, Lease> update)
    {
        lock (_gate)
        {
            _leases[held.LeaseKey] = update(CurrentTenure(held, Other));
            return Task.CompletedTask;
        }
    }

    private Lease CurrentTenure(Lease held, string operation)
    {
        Enter(held.Owner!, operation);
        if (!IsCurrentTenure(held, out Lease? current))
        {
            throw new LeaseLostException($"lease {held.LeaseKey} is held by {current?.Owner} (tenure {current?.Tenure}), not {held.Owner} (tenure {held.Tenure})");
        }

        return current;
    }

    private bool IsCurrentTenure(Lease held, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Lease? current) =>
        _leases.TryGetValue(held.LeaseKey, out current) && current.Owner == held.Owner && current.Tenure == held.Tenure;

    private void Enter(string owner, string operation)
    {
        Count(operation);
        if (_cutOff.Contains(owner))
        {
            throw new HttpRequestException($"worker {owner} is cut off from the lease table");
        }
    }

    private void Count(string operation) => _requests[operation] = _requests.GetValueOrDefault(operation) + 1;
}

/// <summary>A lease changing hands: taken (free, expired or reclaimed), handed over, released, or stolen by a test.</summary>
internal sealed record OwnerChange(string LeaseKey, string? From, string? To, string How);
