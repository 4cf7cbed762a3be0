using Delivery.Plans;
using Delivery.Testing;

namespace Delivery.Benchmarks.EndToEnd;

/// <summary>
/// What a <c>Buffering:Scope: Worker</c> pipeline needs in the benchmarks: the in-memory plan ledger (one per run,
/// shared by every worker of the run, as they share the DynamoDB table) and a range reader that refuses to read.
/// </summary>
/// <remarks>
/// A range is read again only to complete a plan that a previous owner committed and did not write (a crash, a lost
/// lease). Nothing crashes and no lease moves in a benchmark run, so a read means the run went wrong, and it fails the
/// run rather than passing silently. The ledger's cost in production (three DynamoDB writes per plan) is not in these
/// figures: only the pipeline's own work per plan is.
/// </remarks>
public static class BenchPlanServices
{
    public static PlanServices Create(InMemoryPlanLedger ledger) => new(ledger, new NoRangeReads());

    private sealed class NoRangeReads : IShardRangeReader
    {
        public IAsyncEnumerable<RecordPage> ReadAsync(BatchSource range, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"A benchmark run asked to read shard {range.ShardId} again ({range.First}..{range.Last}): only a crash or a lost lease leaves a plan to complete, and runs have neither.");
    }
}
