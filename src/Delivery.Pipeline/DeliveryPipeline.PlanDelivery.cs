using Delivery.Pages;
using Delivery.Plans;

namespace Delivery.Pipeline;

/// <summary>
/// Delivering a plan's batch: fence every piece in its lease, commit, write, mark written, acknowledge; or, when the
/// fence or the commit fails, abort and deliver each surviving piece as a batch of its own range (decision 0014).
/// </summary>
public sealed partial class DeliveryPipeline
{
    private const string LedgerTarget = "plan ledger";

    private async Task DeliverPlanAsync(DeliveryWork work)
    {
        DeliveryBatch batch = work.Batch;
        BatchPlan plan = batch.Plan!;
        PlanServices plans = Plans ?? throw new InvalidOperationException($"Pipeline {Name} cut a plan without a plan ledger.");

        // Once committed, a plan is written whoever holds its shards: only a hard stop interrupts it, never one lost lease.
        CancellationToken token = _hardStop.Token;
        bool delivered = false;
        try
        {
            PlanEntry entry;
            if (await FenceAsync(work, token).ConfigureAwait(false))
            {
                entry = await LedgerAsync(batch, (ledger, ct) => ledger.CommitAsync(plan, ct), token).ConfigureAwait(false);
            }
            else
            {
                entry = await LedgerAsync(batch, (ledger, ct) => ledger.AbortAsync(plan.Id, ct), token).ConfigureAwait(false);
            }

            if (entry.State == PlanState.Aborted)
            {
                Log.PlanAborted(Logger, Name, plan.Id, plan.Ranges.Count);
                await DeliverAbortedPiecesAsync(work).ConfigureAwait(false);
                return;
            }

            await WritePlanAsync(batch, token).ConfigureAwait(false);
            delivered = true;
            foreach (PlanPiece piece in work.Pieces)
            {
                piece.Session.AcknowledgePiece(piece.Piece);
            }

            await Task.WhenAll(work.Pieces.Select(piece => piece.Session.PersistQuietlyAsync(token))).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Hard stop: the pieces stay in the leases; the next owner completes or aborts the plan.
        }
        catch (Exception ex)
        {
            // Nothing may end a delivery loop. The plan's shards cannot go on past it, so their sessions fail and start
            // again from their leases, where they find the plan through the ledger.
            Log.PlanAbandoned(Logger, ex, Name, plan.Id, plan.Ranges.Count);
            foreach (PlanPiece piece in work.Pieces)
            {
                piece.Session.Fail(ex);
            }
        }
        finally
        {
            if (delivered)
            {
                Log.PlanDelivered(Logger, Name, plan.Id, plan.Ranges.Count, batch.Records.Count, batch.DataBytes, _writer.DestinationType);
            }

            batch.Release();
            work.CompleteInSessions();
        }
    }

    /// <summary>
    /// Writes every piece into its shard's lease, conditional on the lease. False when a lease is gone (or its session
    /// stopped): the plan must then not be committed.
    /// </summary>
    private static async Task<bool> FenceAsync(DeliveryWork work, CancellationToken token)
    {
        bool[] fenced = await Task.WhenAll(work.Pieces.Select(async piece =>
        {
            try
            {
                await piece.Session.PersistAsync(token).ConfigureAwait(false);
                return true;
            }
            catch (LeaseLostException)
            {
                return false;
            }
        })).ConfigureAwait(false);
        return Array.TrueForAll(fenced, ok => ok);
    }

    /// <summary>Writes a committed plan's batch (backing up what the destination refused) and marks it written.</summary>
    private async Task WritePlanAsync(DeliveryBatch batch, CancellationToken token)
    {
        using IDisposable? scope = Log.BatchScope(Logger, batch.Source.ShardId, batch.Id);
        BatchWriteResult result = await WriteWithBackupAsync(batch, token).ConfigureAwait(false);

        await LedgerAsync(batch, async (ledger, ct) =>
        {
            await ledger.MarkWrittenAsync(batch.Plan!.Id, ct).ConfigureAwait(false);
            return true;
        }, token).ConfigureAwait(false);
        RecordDelivery(batch, result);
        LearnPartitionScale(result);
    }

    /// <summary>
    /// The plan is aborted, so its object is never written: each piece whose session still runs becomes a batch of that
    /// shard's range alone (decision 0003's planned cut), delivered here from the records already in memory.
    /// </summary>
    private async Task DeliverAbortedPiecesAsync(DeliveryWork work)
    {
        foreach (PlanPiece piece in work.Pieces)
        {
            PageSegment[] segments = SegmentsOf(work.Batch, piece.Session.ShardId);
            if (segments.Length == 0 || !piece.Session.ReplaceAbortedPiece(piece.Piece))
            {
                continue;
            }

            foreach (PageSegment segment in segments)
            {
                segment.Page.Retain();
            }

            var single = new DeliveryBatch(Name, new BatchSource(work.Batch.Source.StreamName, piece.Session.ShardId, piece.Piece.First, piece.Piece.Last), segments);
            if (piece.Session.TrackSingle(single) is { } singleWork && singleWork.TryStart())
            {
                await DeliverAsync(singleWork).ConfigureAwait(false);
            }
            else
            {
                single.Release();
            }
        }
    }

    private static PageSegment[] SegmentsOf(DeliveryBatch batch, string shardId)
    {
        var segments = new List<PageSegment>();
        foreach (PageSegment segment in batch.Segments)
        {
            if (string.Equals(segment.Page.ShardId, shardId, StringComparison.Ordinal))
            {
                segments.Add(segment);
            }
        }

        return [.. segments];
    }

    /// <summary>Reads a committed plan's ranges again and writes its batch; see <see cref="WhenPlanWrittenAsync"/>.</summary>
    private async Task CompletePlanAsync(PlanEntry entry)
    {
        PlanServices plans = Plans ?? throw new InvalidOperationException($"Pipeline {Name}: plan {entry.PlanId} needs the plan ledger.");
        var plan = new BatchPlan(entry.Ranges);
        if (!string.Equals(plan.Id, entry.PlanId, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Plan {entry.PlanId} in the ledger has ranges whose id is {plan.Id}.");
        }

        CancellationToken token = _hardStop.Token;
        var segments = new List<PageSegment>();
        DeliveryBatch? batch = null;
        try
        {
            foreach (BatchSource range in plan.Ranges)
            {
                await foreach (RecordPage page in plans.RangeReader.ReadAsync(range, token).ConfigureAwait(false))
                {
                    AddInRange(page, range, segments);
                }
            }

            if (segments.Count == 0)
            {
                // Every record of the plan is gone from the stream: there is nothing left to write.
                Log.PlanRecordsTrimmed(Logger, Name, plan.Id);
                await LedgerAsync(null, async (ledger, ct) =>
                {
                    await ledger.MarkWrittenAsync(plan.Id, ct).ConfigureAwait(false);
                    return true;
                }, token).ConfigureAwait(false);
                return;
            }

            batch = new DeliveryBatch(Name, plan, [.. segments]);
            segments.Clear();
            batch.ChargeTo(Budget);
            await WritePlanAsync(batch, token).ConfigureAwait(false);
            Log.PlanCompleted(Logger, Name, plan.Id, plan.Ranges.Count, batch.Records.Count);
        }
        finally
        {
            foreach (PageSegment segment in segments)
            {
                segment.Page.Release();
            }

            batch?.Release();
        }
    }

    /// <summary>Keeps the records of <paramref name="page"/> that lie in <paramref name="range"/>, charged to the budget.</summary>
    private void AddInRange(RecordPage page, BatchSource range, List<PageSegment> segments)
    {
        int start = 0;
        while (start < page.Count && page.Records[start].ComparePosition(range.First) < 0)
        {
            start++;
        }

        int end = start;
        while (end < page.Count && page.Records[end].ComparePosition(range.Last) <= 0)
        {
            end++;
        }

        if (end == start)
        {
            page.Release();
            return;
        }

        // The page is in memory already: it is counted, and readers wait until the plan is written.
        Budget.ForceAcquire(page.MemoryBytes);
        page.ChargeTo(Budget);
        segments.Add(new PageSegment(page, start, end - start));
    }

    private Task<TResult> LedgerAsync<TResult>(DeliveryBatch? batch, Func<IPlanLedger, CancellationToken, Task<TResult>> call, CancellationToken token)
    {
        IPlanLedger ledger = Plans!.Ledger;
        return batch is null
            ? call(ledger, token)
            : WithRetriesAsync(batch, LedgerTarget, static (state, ct) => state.Call(state.Ledger, ct), (Call: call, Ledger: ledger), token);
    }
}
