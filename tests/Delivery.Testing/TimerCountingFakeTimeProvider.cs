using Microsoft.Extensions.Time.Testing;

namespace Delivery.Testing;

/// <summary>
/// Microsoft's <see cref="FakeTimeProvider"/> that also says how many of its timers are waiting to fire, which the library
/// keeps to itself. Tests use it to move the clock only while the code under test waits, or to see that no timer exists.
/// </summary>
public sealed class TimerCountingFakeTimeProvider : FakeTimeProvider
{
    private readonly Lock _gate = new();
    private readonly HashSet<CountedTimer> _pending = [];

    public TimerCountingFakeTimeProvider()
    {
    }

    public TimerCountingFakeTimeProvider(DateTimeOffset start)
        : base(start)
    {
    }

    /// <summary>Timers created here that are due to fire: not yet fired (one-shot), not stopped, not disposed.</summary>
    public int ActiveTimerCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>
    /// The active timers that are waits (delays, backoffs), not timeouts: a <see cref="CancellationTokenSource"/>'s timer
    /// fires only when something takes too long. Tests that move the clock while the code waits use this, so that a
    /// call still in flight on another thread is not timed out by the test's own clock steps.
    /// </summary>
    public int WaitingTimerCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count(timer => !timer.IsTimeout);
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var counted = new CountedTimer(this, callback, state);
        counted.Inner = base.CreateTimer(static s => ((CountedTimer)s!).Fire(), counted, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        counted.Change(dueTime, period);
        return counted;
    }

    private void SetPending(CountedTimer timer, bool pending)
    {
        lock (_gate)
        {
            if (pending)
            {
                _pending.Add(timer);
            }
            else
            {
                _pending.Remove(timer);
            }
        }
    }

    private sealed class CountedTimer(TimerCountingFakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private bool _periodic;

        public ITimer? Inner { get; set; }

        public bool IsTimeout { get; } = state is CancellationTokenSource;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _periodic = period > TimeSpan.Zero && period != Timeout.InfiniteTimeSpan;
            // Marked before the inner timer is armed: a zero due time fires inside Change.
            owner.SetPending(this, dueTime != Timeout.InfiniteTimeSpan);
            return Inner!.Change(dueTime, period);
        }

        public void Fire()
        {
            if (!_periodic)
            {
                owner.SetPending(this, false);
            }

            callback(state);
        }

        public void Dispose()
        {
            owner.SetPending(this, false);
            Inner?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
