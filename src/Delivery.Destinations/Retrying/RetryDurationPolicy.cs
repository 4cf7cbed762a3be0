using Polly;
using Polly.Retry;

namespace Delivery.Destinations.Retrying;

/// <summary>When the retry duration starts counting.</summary>
public enum RetryDurationStart
{
    /// <summary>At the first attempt (the HTTP endpoint and Redshift destinations).</summary>
    FirstAttempt,

    /// <summary>
    /// When the first attempt fails, as Firehose's Splunk destination counts it: an attempt that waits minutes for an
    /// acknowledgement does not use up the time its retries get.
    /// </summary>
    FirstFailure,
}

/// <summary>
/// Retries a destination call the way Firehose does for HTTP endpoints, Redshift and Splunk: a failure marked retryable
/// is tried again after <see cref="RetryBackoff"/> until the retry duration, counted from the first attempt or from the
/// first failure (<see cref="RetryDurationStart"/>), runs out; a permanent failure or a success ends it at once. The
/// last wait is shortened so that the final attempt starts no later than the deadline, and an attempt started before
/// it runs to its end. A duration of 0 means one attempt. Cancellation is never retried and propagates.
/// </summary>
public sealed class RetryDurationPolicy
{
    private static readonly ResiliencePropertyKey<Attempts> AttemptsKey = new("delivery.retry-duration.attempts");

    private readonly ResiliencePipeline<AttemptOutcome> _pipeline;
    private readonly TimeProvider _time;

    /// <param name="retryDuration">How long a call may be retried, counted from <paramref name="start"/>; zero or more.</param>
    /// <param name="timeProvider">Times the waits and the deadline.</param>
    /// <param name="unitRandom">Source of jitter in [0, 1); default <see cref="Random.Shared"/>.</param>
    /// <param name="start">When the duration starts counting; default <see cref="RetryDurationStart.FirstAttempt"/>.</param>
    public RetryDurationPolicy(TimeSpan retryDuration, TimeProvider timeProvider, Func<double>? unitRandom = null, RetryDurationStart start = RetryDurationStart.FirstAttempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retryDuration, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(timeProvider);
        RetryDuration = retryDuration;
        Start = start;
        _time = timeProvider;
        Func<double> random = unitRandom ?? Random.Shared.NextDouble;
        _pipeline = new ResiliencePipelineBuilder<AttemptOutcome> { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions<AttemptOutcome>
            {
                MaxRetryAttempts = int.MaxValue,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is null &&
                    args.Outcome.Result.Status == AttemptStatus.Retryable &&
                    _time.GetUtcNow() < args.Context.Properties.GetValue(AttemptsKey, null!).DeadlineAfterFailure(_time.GetUtcNow())),
                DelayGenerator = args =>
                {
                    TimeSpan left = args.Context.Properties.GetValue(AttemptsKey, null!).DeadlineAfterFailure(_time.GetUtcNow()) - _time.GetUtcNow();
                    TimeSpan delay = RetryBackoff.Delay(args.AttemptNumber, random());
                    return ValueTask.FromResult<TimeSpan?>(delay < left ? delay : left);
                },
            })
            .Build();
    }

    public TimeSpan RetryDuration { get; }

    public RetryDurationStart Start { get; }

    /// <summary>Runs <paramref name="attempt"/> until it succeeds, fails permanently, or the retry duration is spent.</summary>
    public async Task<RetriedOutcome> ExecuteAsync<TState>(
        Func<TState, CancellationToken, ValueTask<AttemptOutcome>> attempt,
        TState state,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        var attempts = new Attempts(RetryDuration, Start == RetryDurationStart.FirstAttempt ? _time.GetUtcNow() + RetryDuration : null);
        ResilienceContext context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(AttemptsKey, attempts);
        try
        {
            AttemptOutcome outcome = await _pipeline.ExecuteAsync(
                static async (ctx, s) =>
                {
                    s.Attempts.Count++;
                    return await s.Attempt(s.State, ctx.CancellationToken).ConfigureAwait(false);
                },
                context,
                (Attempt: attempt, State: state, Attempts: attempts)).ConfigureAwait(false);
            return new RetriedOutcome(outcome, attempts.Count);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private sealed class Attempts(TimeSpan retryDuration, DateTimeOffset? deadline)
    {
        private DateTimeOffset? _deadline = deadline;

        public int Count { get; set; }

        /// <summary>The deadline, fixed at the first failure (<paramref name="now"/>) when it was not fixed at the start.</summary>
        public DateTimeOffset DeadlineAfterFailure(DateTimeOffset now) => _deadline ??= now + retryDuration;
    }
}
