namespace Delivery.Destinations.Checks;

/// <summary>What follows one attempt of a start-up check.</summary>
public enum CheckStep
{
    /// <summary>The check passed; go on to the next.</summary>
    Pass,

    /// <summary>Wait <see cref="CheckDecision.Delay"/> and try again.</summary>
    Retry,

    /// <summary>Give up: the worker does not start.</summary>
    Fail,
}

/// <summary>The step to take, the wait before a retry, and the reason for a failure.</summary>
public readonly record struct CheckDecision(CheckStep Step, TimeSpan Delay, string Reason);

/// <summary>
/// Decides what follows one attempt of a start-up check. A permanent failure fails the start at once: retrying cannot
/// create a bucket or fix a key, and exiting lets the orchestrator show the reason and start a task again after the
/// fix. A transient failure is retried, 1 s doubling to at most 10 s apart, until <see cref="RetryFor"/> has passed
/// since the checks began, and then fails too: a destination still unreachable after that is more likely configured
/// wrong (a security group, an endpoint) than slow, and a task that exits is seen, where one that waits looks healthy.
/// Pure: the caller measures the time.
/// </summary>
public sealed class StartupCheckPolicy
{
    /// <summary>How long transient failures are retried at start by default.</summary>
    public static readonly TimeSpan DefaultRetryFor = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MinAttemptTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxAttemptTimeout = TimeSpan.FromSeconds(15);

    /// <param name="retryFor">How long transient failures are retried; default <see cref="DefaultRetryFor"/>.</param>
    public StartupCheckPolicy(TimeSpan? retryFor = null)
    {
        RetryFor = retryFor ?? DefaultRetryFor;
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryFor, TimeSpan.Zero, nameof(retryFor));
    }

    public TimeSpan RetryFor { get; }

    /// <summary>The step after an attempt.</summary>
    /// <param name="outcome">What the attempt found.</param>
    /// <param name="attempt">1 for a check's first attempt.</param>
    /// <param name="elapsed">Time since the checks began, the attempt just made included.</param>
    public CheckDecision Decide(CheckOutcome outcome, int attempt, TimeSpan elapsed) => outcome.Status switch
    {
        CheckStatus.Passed => new CheckDecision(CheckStep.Pass, TimeSpan.Zero, ""),
        CheckStatus.Permanent => new CheckDecision(CheckStep.Fail, TimeSpan.Zero, outcome.Reason),
        _ when elapsed >= RetryFor => new CheckDecision(CheckStep.Fail, TimeSpan.Zero, $"{outcome.Reason} (still failing after {elapsed.TotalSeconds:0} s)"),
        _ => new CheckDecision(CheckStep.Retry, Min(Backoff(attempt), RetryFor - elapsed), ""),
    };

    /// <summary>
    /// How long one attempt may take before it counts as a transient failure: at most 15 s, so a destination that never
    /// answers cannot stretch the bounded time much, and at least 5 s, so the last attempt has a fair chance.
    /// </summary>
    public TimeSpan AttemptTimeout(TimeSpan elapsed)
    {
        TimeSpan left = RetryFor - elapsed;
        return left < MinAttemptTimeout ? MinAttemptTimeout : Min(left, MaxAttemptTimeout);
    }

    private static TimeSpan Backoff(int attempt) =>

        // 2^4 s is past the cap already; clamping the exponent keeps the arithmetic far from overflow.
        Min(FirstDelay * Math.Pow(2, Math.Clamp(attempt - 1, 0, 8)), MaxDelay);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
