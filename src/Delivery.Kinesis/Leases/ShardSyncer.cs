using Delivery.Kinesis.Client;
using Microsoft.Extensions.Logging;

namespace Delivery.Kinesis.Leases;

/// <summary>
/// Keeps the lease table in step with the stream's shards: every shard gets a lease, children after resharding start at
/// TRIM_HORIZON and name their parents so they are not read before the parents are finished.
/// </summary>
internal sealed class ShardSyncer(IKinesisClient kinesis, ILeaseStore store, KinesisSourceOptions options, ILogger logger)
{
    /// <summary>Creates the leases missing for the stream's shards; returns the shards as listed.</summary>
    public async Task<IReadOnlyList<Shard>> SyncAsync(IReadOnlyCollection<string> existingLeaseKeys, CancellationToken cancellationToken)
    {
        IReadOnlyList<Shard> shards = await kinesis.ListAllShardsAsync(options.StreamName, null, cancellationToken).ConfigureAwait(false);

        // Starting at LATEST, a shard that is already closed and was never leased holds only data from before the
        // start: it gets no lease, and its children start at LATEST too instead of replaying their whole retention.
        List<Shard> toLease = [.. shards.Where(shard => !existingLeaseKeys.Contains(shard.ShardId)
            && !(options.InitialPosition == InitialPosition.Latest && shard.IsClosed))];
        var leased = new HashSet<string>(existingLeaseKeys, StringComparer.Ordinal);
        leased.UnionWith(toLease.Select(shard => shard.ShardId));
        foreach (Shard shard in toLease)
        {
            await CreateLeaseAsync(shard, leased, cancellationToken).ConfigureAwait(false);
        }

        return shards;
    }

    /// <summary>After a shard's end: makes sure its children have leases, and records them on its lease.</summary>
    public async Task<IReadOnlyList<string>> EnsureChildLeasesAsync(string shardId, string owner, CancellationToken cancellationToken)
    {
        IReadOnlyList<Shard> shards = await kinesis.ListAllShardsAsync(options.StreamName, null, cancellationToken).ConfigureAwait(false);
        List<Shard> children = [.. shards.Where(shard => shard.ParentShardId == shardId || shard.AdjacentParentShardId == shardId)];

        // The parent just ended, so its sibling parent (a merge) has a lease too, or has aged out of the stream.
        var leased = new HashSet<string>(children.SelectMany(child => new[] { child.ParentShardId, child.AdjacentParentShardId }).OfType<string>(), StringComparer.Ordinal);
        leased.IntersectWith(shards.Select(shard => shard.ShardId));
        foreach (Shard child in children)
        {
            await CreateLeaseAsync(child, leased, cancellationToken).ConfigureAwait(false);
        }

        string[] childIds = [.. children.Select(child => child.ShardId)];
        await store.UpdateChildShardsAsync(shardId, owner, childIds, cancellationToken).ConfigureAwait(false);
        return childIds;
    }

    /// <summary>Creates a shard's lease; parents count only if they have (or are getting) a lease of their own.</summary>
    private async Task CreateLeaseAsync(Shard shard, HashSet<string> leasedShards, CancellationToken cancellationToken)
    {
        string[] parents = [.. new[] { shard.ParentShardId, shard.AdjacentParentShardId }.OfType<string>().Where(leasedShards.Contains)];

        // A child's records follow its parents' directly, so it starts at its beginning whatever the pipeline's
        // initial position; only shards without a known parent start where the configuration says.
        LeaseCheckpoint start = parents.Length > 0
            ? LeaseCheckpoint.TrimHorizon
            : options.InitialPosition switch
            {
                InitialPosition.Latest => LeaseCheckpoint.Latest,
                InitialPosition.AtTimestamp => LeaseCheckpoint.AtTimestamp,
                _ => LeaseCheckpoint.TrimHorizon,
            };
        var lease = new Lease
        {
            LeaseKey = shard.ShardId,
            Checkpoint = start,
            ParentShardIds = parents,
            StartingHashKey = shard.HashKeyRange.StartingHashKey,
            EndingHashKey = shard.HashKeyRange.EndingHashKey,
        };
        if (await store.CreateLeaseIfNotExistsAsync(lease, cancellationToken).ConfigureAwait(false))
        {
            Log.LeaseCreated(logger, shard.ShardId, start);
        }
    }
}
