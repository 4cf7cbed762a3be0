using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Delivery.Destinations.OpenSearch;

/// <summary>
/// Deterministic document ids: each comes from where its record sits in the stream (stream, shard, sequence number,
/// subsequence number) and, for the parts a processor split one record into, the part's place among them. The same
/// record gets the same id on every attempt, in whatever batch it is cut into and whichever worker sends it, so a
/// batch sent again after a crash or a lost response overwrites its documents instead of indexing them twice. The
/// pipeline's name is left out on purpose: a record sent into the same index by a renamed or replaying pipeline is
/// still the same document. See decision 0008.
/// </summary>
public static class OpenSearchDocumentId
{
    /// <summary>The length of an id: 20 bytes of SHA-256 in unpadded base64url.</summary>
    public const int Length = 27;

    private const int HashBytes = 20;

    /// <summary>The ids of every record of <paramref name="batch"/>, in order.</summary>
    public static string[] For(DeliveryBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        IReadOnlyList<SourceRecord> records = batch.Records;
        string[] ids = new string[records.Count];
        int part = 0;
        string previousShard = "";
        for (int i = 0; i < records.Count; i++)
        {
            // A worker-scope plan's batch holds several shards' records, shard after shard: each is its own shard's.
            string shardId = batch.ShardIdOf(records[i]);

            // Parts split from one record share its position and shard, and come in order.
            part = i > 0 && string.Equals(shardId, previousShard, StringComparison.Ordinal) && records[i].Position == records[i - 1].Position ? part + 1 : 0;
            previousShard = shardId;
            ids[i] = For(batch.Source.StreamName, shardId, records[i].Position, part);
        }

        return ids;
    }

    /// <summary>The id of part <paramref name="part"/> (0 unless a processor split the record) of the record at <paramref name="position"/>.</summary>
    public static string For(string streamName, string shardId, ShardPosition position, int part)
    {
        ArgumentNullException.ThrowIfNull(streamName);
        ArgumentNullException.ThrowIfNull(shardId);
        ArgumentOutOfRangeException.ThrowIfNegative(part);
        string canonical = string.Create(
            CultureInfo.InvariantCulture, $"{streamName}\n{shardId}\n{position.SequenceNumber}\n{position.SubSequenceNumber}\n{part}");
        byte[] rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(canonical.Length));
        try
        {
            int length = Encoding.UTF8.GetBytes(canonical, rented);
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(rented.AsSpan(0, length), hash);
            return Base64Url.EncodeToString(hash[..HashBytes]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
