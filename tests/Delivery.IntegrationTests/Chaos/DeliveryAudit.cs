using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;

namespace Delivery.IntegrationTests.Chaos;

/// <summary>
/// Reads every object under a prefix and accounts for each line by the record id it starts with: which records put are
/// missing, which are in more than one object (or twice in one), which lines differ from what was put, belong to another
/// shard than the object's or are out of shard order.
/// </summary>
internal sealed class DeliveryAudit
{
    private const int Examples = 10;

    private DeliveryAudit(int objects, int lines, List<string> missing, Dictionary<string, List<string>> duplicated, List<string> wrong, IReadOnlyList<string> keys, IReadOnlySet<string> multiShardKeys)
    {
        Objects = objects;
        Keys = keys;
        MultiShardKeys = multiShardKeys;
        Lines = lines;
        Missing = missing;
        Duplicated = duplicated;
        Wrong = wrong;
    }

    public int Objects { get; }

    /// <summary>Every object key audited.</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>Objects that hold records of more than one shard (a worker-scope plan's).</summary>
    public int MultiShardObjects => MultiShardKeys.Count;

    /// <summary>The keys of the objects that hold records of more than one shard.</summary>
    public IReadOnlySet<string> MultiShardKeys { get; }

    public int Lines { get; }

    /// <summary>Ids put but in no object, in id order.</summary>
    public List<string> Missing { get; }

    /// <summary>Ids found more than once, with the objects they were found in.</summary>
    public Dictionary<string, List<string>> Duplicated { get; }

    /// <summary>Lines that are not a record put, differ from it, or sit in the wrong object or order.</summary>
    public List<string> Wrong { get; }

    public bool IsExactlyOnce => Missing.Count == 0 && Duplicated.Count == 0 && Wrong.Count == 0;

    public static async Task<DeliveryAudit> RunAsync(IAmazonS3 s3, string bucket, string prefix, RecordLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentNullException.ThrowIfNull(ledger);
        IReadOnlyDictionary<string, RecordLedger.PutUserRecord> put = ledger.ById;
        List<string> keys = await ListAsync(s3, bucket, prefix);
        var foundIn = new ConcurrentDictionary<string, ConcurrentBag<string>>(StringComparer.Ordinal);
        var wrong = new ConcurrentBag<string>();
        int lines = 0;
        var multiShard = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (key, cancellationToken) =>
        {
            (string[] shards, byte[] content) = await ReadAsync(s3, bucket, key, cancellationToken);
            if (shards.Length > 1)
            {
                multiShard.Add(key);
            }

            int previousShard = 0;
            ShardPosition? previous = null;
            foreach (byte[] line in SplitLines(content))
            {
                Interlocked.Increment(ref lines);
                string? id = IdOf(line);
                if (id is null || !put.TryGetValue(id, out RecordLedger.PutUserRecord? record))
                {
                    wrong.Add($"{key}: a line that is no record put: {Preview(line)}");
                    continue;
                }

                foundIn.GetOrAdd(id, _ => []).Add(key);
                if (!line.AsSpan().SequenceEqual(record.Data))
                {
                    wrong.Add($"{key}: {id} differs from the record put ({line.Length} B delivered, {record.Data.Length} B put)");
                }

                // A worker-scope plan's object holds its shards' records shard after shard, in the plan's order.
                int shard = Array.IndexOf(shards, record.ShardId);
                if (shard < 0)
                {
                    wrong.Add($"{key}: {id} was put into {record.ShardId}, but the object is of {string.Join(", ", shards)}");
                    continue;
                }

                if (shard < previousShard || (shard == previousShard && previous is { } before && record.Position <= before))
                {
                    wrong.Add($"{key}: {id} of {record.ShardId} at {record.Position} is out of shard order");
                }

                previous = record.Position;
                previousShard = shard;
            }
        });

        List<string> missing = [.. put.Keys.Where(id => !foundIn.ContainsKey(id)).Order(StringComparer.Ordinal)];
        Dictionary<string, List<string>> duplicated = foundIn
            .Where(pair => pair.Value.Count > 1)
            .ToDictionary(pair => pair.Key, pair => pair.Value.Order(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
        return new DeliveryAudit(keys.Count, lines, missing, duplicated, [.. wrong.Order(StringComparer.Ordinal)], keys, multiShard.ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>What is wrong, by id, with examples; the shards the missing records were put into.</summary>
    public string Describe(RecordLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        if (IsExactlyOnce)
        {
            return $"every record is in S3 exactly once ({Lines} lines in {Objects} objects)";
        }

        IReadOnlyDictionary<string, RecordLedger.PutUserRecord> put = ledger.ById;
        var text = new StringBuilder();
        if (Missing.Count > 0)
        {
            string byShard = string.Join(", ", Missing.GroupBy(id => put[id].ShardId).OrderBy(group => group.Key, StringComparer.Ordinal)
                .Select(group => $"{group.Key}: {group.Count()} from {put[group.First()].Position}"));
            text.AppendLine($"{Missing.Count} records missing ({byShard}), e.g. {string.Join(", ", Missing.Take(Examples).Select(id => $"{id} ({put[id].ShardId} {put[id].Position})"))}");
        }

        if (Duplicated.Count > 0)
        {
            text.AppendLine($"{Duplicated.Count} records delivered more than once, e.g. {string.Join("; ", Duplicated.Take(Examples).Select(pair => $"{pair.Key} ({put[pair.Key].ShardId} {put[pair.Key].Position}) in {string.Join(" and ", pair.Value)}"))}");
        }

        if (Wrong.Count > 0)
        {
            text.AppendLine($"{Wrong.Count} wrong lines, e.g. {string.Join("; ", Wrong.Take(Examples))}");
        }

        return text.ToString().TrimEnd();
    }

    private static async Task<List<string>> ListAsync(IAmazonS3 s3, string bucket, string prefix)
    {
        var keys = new List<string>();
        string? continuation = null;
        do
        {
            ListObjectsV2Response listing = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, ContinuationToken = continuation });
            // A starting worker writes and deletes its start-up check object under the prefix: it holds no records,
            // and it may be gone by the time it is read.
            keys.AddRange((listing.S3Objects ?? []).Select(entry => entry.Key).Where(key => !key.EndsWith("/.delivery-write-check", StringComparison.Ordinal)));
            continuation = listing.IsTruncated == true ? listing.NextContinuationToken : null;
        }
        while (continuation is not null);

        return keys;
    }

    /// <summary>The object's shards (one, or a plan's in order; see the object metadata in configuration.md) and content.</summary>
    private static async Task<(string[] Shards, byte[] Content)> ReadAsync(IAmazonS3 s3, string bucket, string key, CancellationToken cancellationToken)
    {
        using GetObjectResponse response = await s3.GetObjectAsync(bucket, key, cancellationToken);
        using var buffer = new MemoryStream();
        await using (var gzip = new GZipStream(response.ResponseStream, CompressionMode.Decompress))
        {
            await gzip.CopyToAsync(buffer, cancellationToken);
        }

        string[] shards = response.Metadata["source-shard"] is { } one ? [one] : response.Metadata["source-shards"].Split(',');
        return (shards, buffer.ToArray());
    }

    private static string? IdOf(byte[] line)
    {
        ReadOnlySpan<byte> prefix = Encoding.UTF8.GetBytes(RecordLedger.IdPrefix);
        if (!line.AsSpan().StartsWith(prefix))
        {
            return null;
        }

        int end = line.AsSpan(prefix.Length).IndexOf((byte)'"');
        return end < 0 ? null : Encoding.UTF8.GetString(line, prefix.Length, end);
    }

    private static string Preview(byte[] line) => Encoding.UTF8.GetString(line, 0, Math.Min(line.Length, 60));

    private static List<byte[]> SplitLines(byte[] content)
    {
        var lines = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < content.Length; i++)
        {
            if (content[i] == (byte)'\n')
            {
                lines.Add(content[start..i]);
                start = i + 1;
            }
        }

        if (start < content.Length)
        {
            lines.Add(content[start..]);
        }

        return lines;
    }
}
