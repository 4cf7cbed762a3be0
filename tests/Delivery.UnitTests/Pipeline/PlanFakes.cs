using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Delivery.Plans;

namespace Delivery.UnitTests.Pipeline;

/// <summary>
/// The plan ledger as a dictionary with DynamoDB's put-if-absent semantics, recording each call in order, with a hook
/// that runs before a commit (to let a rival win the race).
/// </summary>
internal sealed class FakePlanLedger : IPlanLedger
{
    private readonly ConcurrentDictionary<string, PlanEntry> _items = new(StringComparer.Ordinal);

    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>Runs before each commit's put.</summary>
    public Func<BatchPlan, Task>? BeforeCommit { get; set; }

    public PlanState StateOf(string planId) => _items.TryGetValue(planId, out PlanEntry? entry) ? entry.State : PlanState.Absent;

    public IReadOnlyCollection<PlanEntry> Items => [.. _items.Values];

    public void Seed(PlanEntry entry) => _items[entry.PlanId] = entry;

    public async Task<PlanEntry> CommitAsync(BatchPlan plan, CancellationToken cancellationToken)
    {
        if (BeforeCommit is { } hook)
        {
            await hook(plan);
        }

        Calls.Enqueue("commit " + plan.Id);
        return _items.GetOrAdd(plan.Id, _ => new PlanEntry(plan.Id, PlanState.Committed, plan.Ranges));
    }

    public Task<PlanEntry> AbortAsync(string planId, CancellationToken cancellationToken)
    {
        Calls.Enqueue("abort " + planId);
        return Task.FromResult(_items.GetOrAdd(planId, _ => new PlanEntry(planId, PlanState.Aborted, [])));
    }

    public Task<PlanEntry> GetAsync(string planId, CancellationToken cancellationToken)
    {
        Calls.Enqueue("get " + planId);
        return Task.FromResult(_items.TryGetValue(planId, out PlanEntry? entry) ? entry : new PlanEntry(planId, PlanState.Absent, []));
    }

    public Task MarkWrittenAsync(string planId, CancellationToken cancellationToken)
    {
        Calls.Enqueue("written " + planId);
        if (!_items.TryGetValue(planId, out PlanEntry? entry) || entry.State is not (PlanState.Committed or PlanState.Written))
        {
            throw new InvalidOperationException($"Plan {planId} is not committed.");
        }

        _items[planId] = entry with { State = PlanState.Written };
        return Task.CompletedTask;
    }
}

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
