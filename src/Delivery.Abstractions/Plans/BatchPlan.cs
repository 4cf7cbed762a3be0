using System.Security.Cryptography;
using System.Text;

namespace Delivery.Plans;

/// <summary>
/// A batch cut from a worker-scope buffer: one range of each shard it holds records of, ordered by shard id. Its
/// records are those ranges' records, shard after shard, so whoever reads the ranges again makes the same batch, and
/// its id comes from the ranges alone (see decision 0014).
/// </summary>
public sealed class BatchPlan
{
    public BatchPlan(IEnumerable<BatchSource> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        BatchSource[] ordered = [.. ranges.OrderBy(range => range.ShardId, StringComparer.Ordinal)];
        if (ordered.Length == 0)
        {
            throw new ArgumentException("A plan holds at least one range.", nameof(ranges));
        }

        for (int i = 0; i < ordered.Length; i++)
        {
            if (ordered[i].First > ordered[i].Last)
            {
                throw new ArgumentException($"Range {ordered[i].First}..{ordered[i].Last} of shard {ordered[i].ShardId} is reversed.", nameof(ranges));
            }

            if (i > 0 && string.Equals(ordered[i - 1].ShardId, ordered[i].ShardId, StringComparison.Ordinal))
            {
                throw new ArgumentException($"A plan holds one range per shard; shard {ordered[i].ShardId} has two.", nameof(ranges));
            }

            if (!string.Equals(ordered[i].StreamName, ordered[0].StreamName, StringComparison.Ordinal))
            {
                throw new ArgumentException("A plan's ranges are all of one stream.", nameof(ranges));
            }
        }

        Ranges = ordered;
        Id = IdOf(ordered);
    }

    /// <summary>The ranges, ordered by shard id (ordinal).</summary>
    public IReadOnlyList<BatchSource> Ranges { get; }

    /// <summary>
    /// 32 lowercase hex characters of SHA-256 over the ranges. For a single range it is that range's
    /// <see cref="BatchSource.DeterministicId"/>, so a plan of one shard names its object as a shard batch would.
    /// </summary>
    public string Id { get; }

    /// <summary>This plan's range of <paramref name="shardId"/>, or null when it holds none of that shard.</summary>
    public BatchSource? RangeOf(string shardId)
    {
        foreach (BatchSource range in Ranges)
        {
            if (string.Equals(range.ShardId, shardId, StringComparison.Ordinal))
            {
                return range;
            }
        }

        return null;
    }

    /// <summary>The piece of this plan a shard's lease holds: that shard's range and the plan's id.</summary>
    public PlannedBatch PieceOf(BatchSource range) => new(range.First, range.Last, Id);

    private static string IdOf(BatchSource[] ordered)
    {
        if (ordered.Length == 1)
        {
            return ordered[0].DeterministicId();
        }

        var canonical = new StringBuilder();
        foreach (BatchSource range in ordered)
        {
            canonical.Append(range.StreamName).Append('\n').Append(range.ShardId).Append('\n')
                .Append(range.First.SequenceNumber).Append('\n').Append(range.First.SubSequenceNumber).Append('\n')
                .Append(range.Last.SequenceNumber).Append('\n').Append(range.Last.SubSequenceNumber).Append('\n');
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes("plan\n" + canonical), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
