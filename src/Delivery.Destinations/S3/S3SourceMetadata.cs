using System.Globalization;
using System.Text;
using Amazon.S3.Model;

namespace Delivery.Destinations.S3;

/// <summary>
/// The user metadata that traces an object (delivered or backup) back to the shards its records were read from. A batch
/// of one shard's range names that shard (and, for a delivered object, the range); a worker-scope plan's batch names the
/// plan and its shards instead: any one of its ranges would pass for the whole object.
/// </summary>
internal static class S3SourceMetadata
{
    // S3 allows 2 KB of user metadata per object, names and values together: the list of a plan's shards gets at most
    // half of it, and is left out beyond (the plan ledger has every range under the plan id, while it keeps the plan).
    internal const int ShardListLimitBytes = 1024;

    /// <summary>Adds the shard metadata of <paramref name="batch"/>; <paramref name="withRange"/> adds a single range's positions too.</summary>
    public static void Add(MetadataCollection metadata, DeliveryBatch batch, bool withRange)
    {
        IReadOnlyList<BatchSource> sources = batch.Sources;
        if (sources.Count == 1)
        {
            metadata.Add("source-shard", batch.Source.ShardId);
            if (withRange)
            {
                metadata.Add("first-sequence-number", batch.Source.First.ToString());
                metadata.Add("last-sequence-number", batch.Source.Last.ToString());
            }

            return;
        }

        metadata.Add("plan-id", batch.Id);
        metadata.Add("source-shard-count", sources.Count.ToString(CultureInfo.InvariantCulture));
        string shards = string.Join(',', sources.Select(source => source.ShardId));
        if (Encoding.UTF8.GetByteCount(shards) <= ShardListLimitBytes)
        {
            metadata.Add("source-shards", shards);
        }
    }
}
