using Delivery.Pages;

namespace Delivery.Pipeline.Memory;

/// <summary>
/// The bytes of records a worker may hold at once, shared by all its pipelines: every page of records held (its native
/// memory, <see cref="RecordPage.MemoryBytes"/>) and what processors made of them while their batch is written. A
/// reader takes bytes before it reads a page; they come back when the page's last holder lets go of it (the last batch
/// holding any of its records is acknowledged, or dropped on a lost lease). When the budget is spent, readers wait
/// before they read: nothing is dropped to make room, and no page waits in memory outside the budget.
/// </summary>
public sealed class MemoryBudget : IMemoryAccount
{
    private readonly Lock _gate = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private long _used;

    public MemoryBudget(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, 1);
        CapacityBytes = capacityBytes;
    }

    public long CapacityBytes { get; }

    public long UsedBytes
    {
        get
        {
            lock (_gate)
            {
                return _used;
            }
        }
    }

    /// <summary>Raised when a reader starts waiting for bytes; pipelines cut their buffers early so bytes come back.</summary>
    public event Action? Pressure;

    /// <summary>True while some reader waits for bytes.</summary>
    public bool HasWaiters
    {
        get
        {
            lock (_gate)
            {
                return _waiters.Count > 0;
            }
        }
    }

    /// <inheritdoc cref="IMemoryAccount.Charge"/>
    public void Charge(long bytes) => ForceAcquire(bytes);

    /// <summary>Takes the bytes without waiting if they are free (first come, first served behind earlier waiters).</summary>
    public bool TryAcquire(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_gate)
        {
            if (_waiters.Count == 0 && Fits(bytes))
            {
                _used += bytes;
                return true;
            }

            return false;
        }
    }

    /// <summary>Waits until the bytes are free, in arrival order, then takes them.</summary>
    public ValueTask AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        if (TryAcquire(bytes))
        {
            return ValueTask.CompletedTask;
        }

        return new ValueTask(WaitAsync(bytes, cancellationToken));
    }

    /// <summary>
    /// Takes the bytes at once, even beyond the capacity. Only for re-cutting a previous owner's planned batch: its cut
    /// point is fixed, so waiting for bytes that only its own cut would free could never end. The overdraft is bounded
    /// by what the previous owner had planned.
    /// </summary>
    public void ForceAcquire(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_gate)
        {
            _used += bytes;
        }
    }

    public void Release(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_gate)
        {
            if (bytes > _used)
            {
                throw new InvalidOperationException($"Released {bytes} bytes but only {_used} are held.");
            }

            _used -= bytes;
        }

        GrantWaiters();
    }

    private void GrantWaiters()
    {
        List<Waiter> granted = [];
        lock (_gate)
        {
            while (_waiters.First is { } first && Fits(first.Value.Bytes))
            {
                _used += first.Value.Bytes;
                _waiters.RemoveFirst();
                granted.Add(first.Value);
            }
        }

        foreach (Waiter waiter in granted)
        {
            if (!waiter.Completion.TrySetResult())
            {
                // Cancelled between being granted and being completed: the bytes go back.
                Release(waiter.Bytes);
            }
        }
    }

    // A page larger than the whole budget still gets in when nothing else is held, so one oversize page cannot stall
    // its shard forever.
    private bool Fits(long bytes) => _used + bytes <= CapacityBytes || _used == 0;

    private async Task WaitAsync(long bytes, CancellationToken cancellationToken)
    {
        var waiter = new Waiter(bytes);
        LinkedListNode<Waiter> node;
        lock (_gate)
        {
            if (_waiters.Count == 0 && Fits(bytes))
            {
                _used += bytes;
                return;
            }

            node = _waiters.AddLast(waiter);
        }

        Pressure?.Invoke();

        await using (cancellationToken.Register(() =>
        {
            bool removed = false;
            lock (_gate)
            {
                if (node.List is not null)
                {
                    _waiters.Remove(node);
                    removed = true;
                }
            }

            waiter.Completion.TrySetCanceled(cancellationToken);

            // A cancelled waiter at the head may have been holding back smaller requests behind it.
            if (removed)
            {
                GrantWaiters();
            }
        }))
        {
            await waiter.Completion.Task.ConfigureAwait(false);
        }
    }

    private sealed class Waiter(long bytes)
    {
        public long Bytes { get; } = bytes;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
