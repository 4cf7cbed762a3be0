using Delivery.Destinations.Retrying;
using Delivery.Testing;

namespace Delivery.UnitTests.Destinations.Retrying;

public sealed class RetryDurationPolicyTests
{
    private readonly TimerCountingFakeTimeProvider _time = new();
    private readonly List<DateTimeOffset> _attempts = [];

    [Fact]
    public async Task ARetryableFailure_IsRetriedWithDoublingWaits_UntilTheDurationRunsOut_WithTheLastAttemptAtTheDeadline()
    {
        var policy = new RetryDurationPolicy(TimeSpan.FromSeconds(10), _time, () => 0.5);
        DateTimeOffset start = _time.GetUtcNow();

        Task<RetriedOutcome> run = policy.ExecuteAsync(Attempt(_ => AttemptOutcome.Retryable("X.Down", "down")), 0, CancellationToken.None);
        await AdvanceUntilDoneAsync(run);

        RetriedOutcome result = await run;
        result.Outcome.ErrorCode.ShouldBe("X.Down");
        result.AttemptsMade.ShouldBe(5);

        // 1 s, 2 s, 4 s, then the 8 s wait is cut to the 3 s left: the final attempt starts exactly at the deadline.
        _attempts.Select(a => (a - start).TotalSeconds).ShouldBe([0, 1, 3, 7, 10]);
    }

    [Theory]
    [InlineData(RetryDurationStart.FirstAttempt, new double[] { 0, 181 })]
    [InlineData(RetryDurationStart.FirstFailure, new double[] { 0, 181, 363 })]
    public async Task ADurationCountedFromTheFirstFailure_IsNotUsedUpByALongFirstAttempt(RetryDurationStart start, double[] expected)
    {
        // Each attempt takes 180 s (an acknowledgement timeout) before it fails; 1 s and 2 s backoffs between them.
        var policy = new RetryDurationPolicy(TimeSpan.FromSeconds(300), _time, () => 0.5, start);
        DateTimeOffset begin = _time.GetUtcNow();

        Task<RetriedOutcome> run = policy.ExecuteAsync(
            async (_, token) =>
            {
                lock (_attempts)
                {
                    _attempts.Add(_time.GetUtcNow());
                }

                await Task.Delay(TimeSpan.FromSeconds(180), _time, token);
                return AttemptOutcome.Retryable("X.AckTimeout", "no ack");
            },
            0,
            CancellationToken.None);
        await AdvanceUntilDoneAsync(run);

        (await run).AttemptsMade.ShouldBe(expected.Length);
        _attempts.Select(a => (a - begin).TotalSeconds).ShouldBe(expected);
    }

    [Fact]
    public async Task APermanentFailure_EndsAtOnce()
    {
        var policy = new RetryDurationPolicy(TimeSpan.FromHours(1), _time, () => 0.5);

        RetriedOutcome result = await policy.ExecuteAsync(Attempt(_ => AttemptOutcome.Permanent("X.TooLarge", "no")), 0, CancellationToken.None);

        result.ShouldBe(new RetriedOutcome(AttemptOutcome.Permanent("X.TooLarge", "no"), 1));
    }

    [Fact]
    public async Task ASuccessAfterFailures_ReportsTheAttemptsItTook()
    {
        var policy = new RetryDurationPolicy(TimeSpan.FromMinutes(5), _time, () => 0.5);

        Task<RetriedOutcome> run = policy.ExecuteAsync(Attempt(n => n < 3 ? AttemptOutcome.Retryable("X.Down", "down") : AttemptOutcome.Success), 0, CancellationToken.None);
        await AdvanceUntilDoneAsync(run);

        (await run).ShouldBe(new RetriedOutcome(AttemptOutcome.Success, 3));
    }

    [Fact]
    public async Task AZeroDuration_MeansOneAttempt()
    {
        var policy = new RetryDurationPolicy(TimeSpan.Zero, _time, () => 0.5);

        RetriedOutcome result = await policy.ExecuteAsync(Attempt(_ => AttemptOutcome.Retryable("X.Down", "down")), 0, CancellationToken.None);

        result.AttemptsMade.ShouldBe(1);
    }

    [Fact]
    public async Task Cancellation_IsNotRetried_AndPropagates()
    {
        var policy = new RetryDurationPolicy(TimeSpan.FromHours(1), _time, () => 0.5);
        using var cancellation = new CancellationTokenSource();

        Task<RetriedOutcome> run = policy.ExecuteAsync(Attempt(_ => AttemptOutcome.Retryable("X.Down", "down")), 0, cancellation.Token);
        await Eventually.TrueAsync(() => _attempts.Count == 1, "the first attempt");
        await cancellation.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(run);
        _attempts.Count.ShouldBe(1);
    }

    private Func<int, CancellationToken, ValueTask<AttemptOutcome>> Attempt(Func<int, AttemptOutcome> outcome) => (_, _) =>
    {
        lock (_attempts)
        {
            _attempts.Add(_time.GetUtcNow());
            return ValueTask.FromResult(outcome(_attempts.Count));
        }
    };

    // Moves the clock only while the policy waits, in steps that land exactly on its whole-second waits.
    private async Task AdvanceUntilDoneAsync(Task run)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!run.IsCompleted && !limit.IsCancellationRequested)
        {
            if (_time.ActiveTimerCount > 0)
            {
                _time.Advance(TimeSpan.FromMilliseconds(100));
            }
            else
            {
                await Task.Delay(1);
            }
        }
    }
}
