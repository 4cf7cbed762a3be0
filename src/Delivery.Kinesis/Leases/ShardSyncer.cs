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
        var known = new HashSet<string>(shards.Select(shard => shard.ShardId), StringComparer.Ordinal);
        known.UnionWith(existingLeaseKeys);
        foreach (Shard shard in shards.Where(shard => !existingLeaseKeys.Contains(shard.ShardId)))
        {
            await CreateLeaseAsync(shard, known, cancellationToken).ConfigureAwait(false);
        }

        return shards;
    }

    /// <summary>After a shard's end: makes sure its children have leases, and records them on its lease.</summary>
    public async Task<IReadOnlyList<string>> EnsureChildLeasesAsync(string shardId, string owner, CancellationToken cancellationToken)
    {
        IReadOnlyList<Shard> shards = await kinesis.ListAllShardsAsync(options.StreamName, null, cancellationToken).ConfigureAwait(false);
        var known = new HashSet<string>(shards.Select(shard => shard.ShardId), StringComparer.Ordinal);
        List<Shard> children = [.. shards.Where(shard => shard.ParentShardId == shardId || shard.AdjacentParentShardId == shardId)];
        foreach (Shard child in children)
        {
            await CreateLeaseAsync(child, known, cancellationToken).ConfigureAwait(false);
        }

        string[] childIds = [.. children.Select(child => child.ShardId)];
        await store.UpdateChildShardsAsync(shardId, owner, childIds, cancellationToken).ConfigureAwait(false);
        return childIds;
    }

    private async Task CreateLeaseAsync(Shard shard, HashSet<string> knownShards, CancellationToken cancellationToken)
    {
        string[] parents = [.. new[] { shard.ParentShardId, shard.AdjacentParentShardId }.OfType<string>().Where(knownShards.Contains)];

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
