using Delivery.Kinesis.Client;
using Microsoft.Extensions.Logging;

namespace Delivery.Kinesis.Leases;

/// <summary>
/// Keeps the lease table in step with the stream's shards: every shard gets a lease, children after resharding start at
/// TRIM_HORIZON and name their parents so they are not read before the parents are finished, and the leases of shards
/// that have aged out of the stream are removed.
/// </summary>
internal sealed class ShardSyncer(IKinesisClient kinesis, ILeaseStore store, KinesisSourceOptions options, ILogger logger)
{
    /// <summary>
    /// Creates the leases missing for the stream's shards and removes those of shards gone from the stream. Returns true
    /// when the table changed.
    /// </summary>
    public async Task<bool> SyncAsync(IReadOnlyList<Lease> leases, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(leases);
        IReadOnlyList<Shard> shards = await kinesis.ListAllShardsAsync(options.StreamName, null, cancellationToken).ConfigureAwait(false);
        var existing = new HashSet<string>(leases.Select(lease => lease.LeaseKey), StringComparer.Ordinal);

        List<Shard> toLease = ShardsToLease(shards, existing);
        var leased = new HashSet<string>(existing, StringComparer.Ordinal);
        leased.UnionWith(toLease.Select(shard => shard.ShardId));
        bool changed = false;
        foreach (Shard shard in toLease)
        {
            string[] parents = [.. new[] { shard.ParentShardId, shard.AdjacentParentShardId }.OfType<string>().Where(leased.Contains)];
            changed |= await CreateLeaseAsync(shard.ShardId, parents, shard.HashKeyRange, cancellationToken).ConfigureAwait(false);
        }

        changed |= await RemoveLeasesOfVanishedShardsAsync(leases, shards, cancellationToken).ConfigureAwait(false);
        return changed;
    }

    /// <summary>
    /// The listed shards that have no lease yet and need one. Starting at LATEST, a shard that is already closed and
    /// descends from no leased shard holds only data from before the start: it gets no lease, and its children start at
    /// LATEST too instead of replaying their whole retention. A closed shard that descends from a leased one is part of
    /// what is being read (it was created and closed between two syncs) and is leased like any other, so that its
    /// children wait for it and start at its end rather than at LATEST.
    /// </summary>
    private List<Shard> ShardsToLease(IReadOnlyList<Shard> shards, HashSet<string> existing)
    {
        var missing = shards.Where(shard => !existing.Contains(shard.ShardId)).ToList();
        if (options.InitialPosition != InitialPosition.Latest)
        {
            return missing;
        }

        var byId = shards.ToDictionary(shard => shard.ShardId, StringComparer.Ordinal);
        var memo = new Dictionary<string, bool>(StringComparer.Ordinal);
        return [.. missing.Where(shard => !shard.IsClosed || DescendsFromLeased(shard.ShardId, byId, existing, memo))];
    }

    /// <summary>True when a parent of the shard, or a parent's parent, and so on up the listing, has a lease.</summary>
    private static bool DescendsFromLeased(string shardId, Dictionary<string, Shard> byId, HashSet<string> existing, Dictionary<string, bool> memo)
    {
        if (memo.TryGetValue(shardId, out bool known))
        {
            return known;
        }

        memo[shardId] = false;
        bool descends = byId.TryGetValue(shardId, out Shard? shard)
            && new[] { shard.ParentShardId, shard.AdjacentParentShardId }.OfType<string>()
                .Any(parent => existing.Contains(parent) || DescendsFromLeased(parent, byId, existing, memo));
        return memo[shardId] = descends;
    }

    /// <summary>
    /// After a shard's end: makes sure its children have leases, and records them on its lease. Uses the children
    /// GetRecords named at the shard's end when there are any (Kinesis does; kinesalite does not), else lists shards.
    /// </summary>
    public async Task<IReadOnlyList<string>> EnsureChildLeasesAsync(Lease held, IReadOnlyList<ChildShard> childShards, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(held);
        ArgumentNullException.ThrowIfNull(childShards);
        List<(string ShardId, string[] Parents, HashKeyRange Range)> children;
        if (childShards.Count > 0)
        {
            // Every parent named here has just closed, so it is in the stream and has a lease (or gets one at the next
            // sync); a parent without a lease never holds a child back (see LeaseTaker).
            children = [.. childShards.Select(child => (child.ShardId, child.ParentShards.ToArray(), child.HashKeyRange))];
        }
        else
        {
            IReadOnlyList<Shard> shards = await kinesis.ListAllShardsAsync(options.StreamName, null, cancellationToken).ConfigureAwait(false);
            var listed = new HashSet<string>(shards.Select(shard => shard.ShardId), StringComparer.Ordinal);
            children = [.. shards
                .Where(shard => shard.ParentShardId == held.LeaseKey || shard.AdjacentParentShardId == held.LeaseKey)
                .Select(shard => (shard.ShardId, new[] { shard.ParentShardId, shard.AdjacentParentShardId }.OfType<string>().Where(listed.Contains).ToArray(), shard.HashKeyRange))];
        }

        foreach ((string shardId, string[] parents, HashKeyRange range) in children)
        {
            await CreateLeaseAsync(shardId, parents, range, cancellationToken).ConfigureAwait(false);
        }

        string[] childIds = [.. children.Select(child => child.ShardId)];
        await store.UpdateChildShardsAsync(held, childIds, cancellationToken).ConfigureAwait(false);
        return childIds;
    }

    /// <summary>Creates a shard's lease; returns false when it existed.</summary>
    private async Task<bool> CreateLeaseAsync(string shardId, string[] parents, HashKeyRange range, CancellationToken cancellationToken)
    {
        var lease = new Lease
        {
            LeaseKey = shardId,
            Checkpoint = LeaseCheckpoint.TrimHorizon,
            ParentShardIds = parents,
            StartingHashKey = range.StartingHashKey,
            EndingHashKey = range.EndingHashKey,
        };

        // A shard named for a manual replay starts there. Otherwise a child's records follow its parents' directly, so
        // it starts at its beginning whatever the pipeline's initial position; only shards without a known parent start
        // where the configuration says.
        if (options.InitialPosition == InitialPosition.AtSequenceNumber && options.StartingSequenceNumbers.TryGetValue(shardId, out string? start))
        {
            lease = lease with { Checkpoint = LeaseCheckpoint.AtSequenceNumber, StartingSequenceNumber = start };
        }
        else if (parents.Length == 0)
        {
            lease = lease with
            {
                Checkpoint = options.InitialPosition switch
                {
                    InitialPosition.Latest => LeaseCheckpoint.Latest,
                    InitialPosition.AtTimestamp => LeaseCheckpoint.AtTimestamp,
                    _ => LeaseCheckpoint.TrimHorizon,
                },
            };
        }

        if (!await store.CreateLeaseIfNotExistsAsync(lease, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        Log.LeaseCreated(logger, shardId, lease.Checkpoint);
        return true;
    }

    /// <summary>
    /// Deletes the leases of shards no longer in the stream (aged out of its retention). A finished lease goes at once.
    /// An unfinished one goes only when none of its parents is listed either: a listing may lag behind a reshard and
    /// miss a new child, but a child never ages out before its parents, which closed before it opened.
    /// </summary>
    private async Task<bool> RemoveLeasesOfVanishedShardsAsync(IReadOnlyList<Lease> leases, IReadOnlyList<Shard> shards, CancellationToken cancellationToken)
    {
        if (shards.Count == 0)
        {
            // An empty listing says something is wrong with the stream, not that every shard aged out.
            return false;
        }

        var listed = new HashSet<string>(shards.Select(shard => shard.ShardId), StringComparer.Ordinal);
        bool changed = false;
        foreach (Lease lease in leases.Where(lease => !listed.Contains(lease.LeaseKey)))
        {
            if ((!lease.IsShardEnded && lease.ParentShardIds.Any(listed.Contains))
                || !await store.DeleteLeaseAsync(lease, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            changed = true;
            if (lease.IsShardEnded)
            {
                Log.LeaseOfAgedOutShardRemoved(logger, lease.LeaseKey, options.StreamName);
            }
            else
            {
                Log.UnreadShardAgedOut(logger, lease.LeaseKey, options.StreamName, lease.Checkpoint);
            }
        }

        return changed;
    }
}
