using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Delivery.Plans;

namespace Delivery.UnitTests.Pipeline.Plans;

/// <summary>A stream whose shards hold the records given to it; reads a range as one page.</summary>
internal sealed class FakeRangeReader : IShardRangeReader
{
    private readonly ConcurrentDictionary<string, List<SourceRecord>> _shards = new(StringComparer.Ordinal);

    public ConcurrentQueue<BatchSource> Reads { get; } = new();

    /// <summary>Adds records numbered <paramref name="first"/>.. to <paramref name="shardId"/>.</summary>
    public void Add(string shardId, int first, int count, int size = 10)
    {
        RecordPage page = Records.Page(shardId, first, count, size);
        _shards.GetOrAdd(shardId, _ => []).AddRange(page.Records.Select(record => record.Snapshot()));
    }

    public async IAsyncEnumerable<RecordPage> ReadAsync(BatchSource range, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        Reads.Enqueue(range);
        SourceRecord[] records = [.. (_shards.TryGetValue(range.ShardId, out List<SourceRecord>? all) ? all : [])
            .Where(record => record.Position >= range.First && record.Position <= range.Last)];
        if (records.Length > 0)
        {
            yield return new RecordPage(range.ShardId, records, 0);
        }
    }
}
