using Delivery.Plans;

namespace Delivery.Testing;

/// <summary>The ledger operation a hook of <see cref="InMemoryPlanLedger"/> is called around.</summary>
public enum PlanLedgerOperation
{
    Commit,
    Abort,
    Get,
    MarkWritten,
}

/// <summary>One call on <see cref="InMemoryPlanLedger"/>: what and for which plan.</summary>
public sealed record PlanLedgerCall(PlanLedgerOperation Operation, string PlanId);

/// <summary>
/// The plan ledger in memory for unit tests, with the semantics of the DynamoDB one: commit and abort are
/// put-if-absent (exactly one wins, the loser gets the winner), a commit that finds the same plan committed is its own,
/// marking written needs a committed (or written) plan. <see cref="Before"/> and <see cref="After"/> run around every
/// call: to delay it (a race), or to throw before the effect (the call failed) or after it (its answer was lost).
/// </summary>
public sealed class InMemoryPlanLedger : IPlanLedger
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PlanEntry> _plans = new(StringComparer.Ordinal);
    private readonly List<PlanLedgerCall> _calls = [];

    /// <summary>Runs before a call takes effect; what it throws is what the call throws, with no effect.</summary>
    public Func<PlanLedgerCall, CancellationToken, Task>? Before { get; set; }

    /// <summary>Runs after a call took effect; what it throws is what the call throws, the effect made.</summary>
    public Func<PlanLedgerCall, CancellationToken, Task>? After { get; set; }

    /// <summary>Every call so far, in the order they took effect (or would have).</summary>
    public IReadOnlyList<PlanLedgerCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>What the ledger holds for <paramref name="planId"/> now, without a call being counted or hooked.</summary>
    public PlanEntry this[string planId]
    {
        get
        {
            lock (_gate)
            {
                return _plans.TryGetValue(planId, out PlanEntry? entry) ? entry : new PlanEntry(planId, PlanState.Absent, []);
            }
        }
    }

    /// <summary>Every plan the ledger holds now.</summary>
    public IReadOnlyList<PlanEntry> Plans
    {
        get
        {
            lock (_gate)
            {
                return [.. _plans.Values];
            }
        }
    }

    /// <summary>Puts <paramref name="entry"/> as it is (a ledger left so by another worker); Absent removes the plan.</summary>
    public void Seed(PlanEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            if (entry.State == PlanState.Absent)
            {
                _plans.Remove(entry.PlanId);
            }
            else
            {
                _plans[entry.PlanId] = entry;
            }
        }
    }

    /// <summary>Makes the next call of <paramref name="operation"/> throw <paramref name="error"/>, before or after its effect.</summary>
    public void FailNext(PlanLedgerOperation operation, Exception error, bool afterEffect = false)
    {
        int armed = 1;
        Func<PlanLedgerCall, CancellationToken, Task> hook = (call, _) =>
            call.Operation == operation && Interlocked.Exchange(ref armed, 0) == 1 ? Task.FromException(error) : Task.CompletedTask;
        if (afterEffect)
        {
            After = Chain(After, hook);
        }
        else
        {
            Before = Chain(Before, hook);
        }
    }

    public Task<PlanEntry> CommitAsync(BatchPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return CallAsync(new PlanLedgerCall(PlanLedgerOperation.Commit, plan.Id), cancellationToken, () =>
        {
            if (!_plans.TryGetValue(plan.Id, out PlanEntry? found))
            {
                return _plans[plan.Id] = new PlanEntry(plan.Id, PlanState.Committed, plan.Ranges);
            }

            if (found.State is PlanState.Committed or PlanState.Written && !found.Ranges.SequenceEqual(plan.Ranges))
            {
                throw new DeliveryException(FailureKind.Permanent, "Plans.IdCollision", $"Plan '{plan.Id}' holds other ranges than this plan's.");
            }

            return found;
        });
    }

    public Task<PlanEntry> AbortAsync(string planId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(planId);
        return CallAsync(new PlanLedgerCall(PlanLedgerOperation.Abort, planId), cancellationToken, () =>
            _plans.TryGetValue(planId, out PlanEntry? found) ? found : _plans[planId] = new PlanEntry(planId, PlanState.Aborted, []));
    }

    public Task<PlanEntry> GetAsync(string planId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(planId);
        return CallAsync(new PlanLedgerCall(PlanLedgerOperation.Get, planId), cancellationToken, () =>
            _plans.TryGetValue(planId, out PlanEntry? found) ? found : new PlanEntry(planId, PlanState.Absent, []));
    }

    public Task MarkWrittenAsync(string planId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(planId);
        return CallAsync(new PlanLedgerCall(PlanLedgerOperation.MarkWritten, planId), cancellationToken, () =>
        {
            if (!_plans.TryGetValue(planId, out PlanEntry? found) || found.State is not (PlanState.Committed or PlanState.Written))
            {
                throw new DeliveryException(FailureKind.Permanent, "Plans.NotCommitted",
                    $"Plan '{planId}' cannot be marked written: it is {found?.State ?? PlanState.Absent}, not committed.");
            }

            return _plans[planId] = found with { State = PlanState.Written };
        });
    }

    private async Task<PlanEntry> CallAsync(PlanLedgerCall call, CancellationToken cancellationToken, Func<PlanEntry> effect)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Before is { } before)
        {
            await before(call, cancellationToken).ConfigureAwait(false);
        }

        PlanEntry result;
        lock (_gate)
        {
            _calls.Add(call);
            result = effect();
        }

        if (After is { } after)
        {
            await after(call, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    private static Func<PlanLedgerCall, CancellationToken, Task> Chain(Func<PlanLedgerCall, CancellationToken, Task>? first, Func<PlanLedgerCall, CancellationToken, Task> then) =>
        first is null ? then : async (call, token) =>
        {
            await first(call, token).ConfigureAwait(false);
            await then(call, token).ConfigureAwait(false);
        };
}
