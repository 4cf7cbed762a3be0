using Polly;
using Polly.Retry;

namespace Delivery.Destinations.Retrying;

/// <summary>
/// Retries a destination call the way Firehose does for HTTP endpoints and Redshift: a failure marked retryable is
/// tried again after <see cref="RetryBackoff"/> until the retry duration, counted from the first attempt, runs out; a
/// permanent failure or a success ends it at once. The last wait is shortened so that the final attempt starts no later
/// than the deadline. A duration of 0 means one attempt. Cancellation is never retried and propagates.
/// </summary>
public sealed class RetryDurationPolicy
{
    private static readonly ResiliencePropertyKey<Attempts> AttemptsKey = new("delivery.retry-duration.attempts");

    private readonly ResiliencePipeline<AttemptOutcome> _pipeline;
    private readonly TimeProvider _time;

    /// <param name="retryDuration">How long a call may be retried, from its first attempt; zero or more.</param>
    /// <param name="timeProvider">Times the waits and the deadline.</param>
    /// <param name="unitRandom">Source of jitter in [0, 1); default <see cref="Random.Shared"/>.</param>
    public RetryDurationPolicy(TimeSpan retryDuration, TimeProvider timeProvider, Func<double>? unitRandom = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retryDuration, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(timeProvider);
        RetryDuration = retryDuration;
        _time = timeProvider;
        Func<double> random = unitRandom ?? Random.Shared.NextDouble;
        _pipeline = new ResiliencePipelineBuilder<AttemptOutcome> { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions<AttemptOutcome>
            {
                MaxRetryAttempts = int.MaxValue,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is null &&
                    args.Outcome.Result.Status == AttemptStatus.Retryable &&
                    _time.GetUtcNow() < args.Context.Properties.GetValue(AttemptsKey, null!).Deadline),
                DelayGenerator = args =>
                {
                    TimeSpan left = args.Context.Properties.GetValue(AttemptsKey, null!).Deadline - _time.GetUtcNow();
                    TimeSpan delay = RetryBackoff.Delay(args.AttemptNumber, random());
                    return ValueTask.FromResult<TimeSpan?>(delay < left ? delay : left);
                },
            })
            .Build();
    }

    public TimeSpan RetryDuration { get; }

    /// <summary>Runs <paramref name="attempt"/> until it succeeds, fails permanently, or the retry duration is spent.</summary>
    public async Task<RetriedOutcome> ExecuteAsync<TState>(
        Func<TState, CancellationToken, ValueTask<AttemptOutcome>> attempt,
        TState state,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        var attempts = new Attempts(_time.GetUtcNow() + RetryDuration);
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

    private sealed class Attempts(DateTimeOffset deadline)
    {
        public DateTimeOffset Deadline { get; } = deadline;

        public int Count { get; set; }
    }
}
