using Delivery.Destinations.Checks;

namespace Delivery.UnitTests.Destinations.Checks;

public sealed class StartupCheckPolicyTests
{
    private readonly StartupCheckPolicy _policy = new();

    [Fact]
    public void APassedCheck_Passes() =>
        _policy.Decide(CheckOutcome.Ok, attempt: 1, TimeSpan.Zero).Step.ShouldBe(CheckStep.Pass);

    [Fact]
    public void APermanentFailure_FailsAtOnce_WithItsReason()
    {
        CheckDecision decision = _policy.Decide(CheckOutcome.Permanent("the bucket 'b' does not exist"), attempt: 1, TimeSpan.Zero);

        decision.Step.ShouldBe(CheckStep.Fail, "retrying cannot create a bucket");
        decision.Reason.ShouldBe("the bucket 'b' does not exist");
    }

    [Fact]
    public void ATransientFailure_IsRetried_OneSecondDoublingToTenSecondsApart()
    {
        TimeSpan elapsed = TimeSpan.Zero;
        var delays = new List<double>();
        for (int attempt = 1; attempt <= 6; attempt++)
        {
            CheckDecision decision = _policy.Decide(CheckOutcome.Transient("503"), attempt, elapsed);
            decision.Step.ShouldBe(CheckStep.Retry);
            delays.Add(decision.Delay.TotalSeconds);
            elapsed += decision.Delay;
        }

        delays.ShouldBe([1, 2, 4, 8, 10, 10]);
    }

    [Fact]
    public void ATransientFailure_IsRetriedUntilTheBoundedTime_WithTheLastWaitEndingThere_AndThenFails()
    {
        CheckDecision last = _policy.Decide(CheckOutcome.Transient("connection refused"), attempt: 9, TimeSpan.FromSeconds(57));
        last.Step.ShouldBe(CheckStep.Retry);
        last.Delay.ShouldBe(TimeSpan.FromSeconds(3), "the last attempt is made when the bounded time is up, not after it");

        CheckDecision fail = _policy.Decide(CheckOutcome.Transient("connection refused"), attempt: 10, TimeSpan.FromSeconds(60.4));
        fail.Step.ShouldBe(CheckStep.Fail);
        fail.Reason.ShouldBe("connection refused (still failing after 60 s)");
    }

    [Fact]
    public void TheBoundedTime_CanBeShorter()
    {
        var policy = new StartupCheckPolicy(TimeSpan.FromSeconds(5));

        policy.Decide(CheckOutcome.Transient("timeout"), attempt: 1, TimeSpan.FromSeconds(5)).Step.ShouldBe(CheckStep.Fail);
    }

    [Fact]
    public void AnAttempt_MayTakeFifteenSeconds_ButNoMoreThanIsLeft_AndAtLeastFive()
    {
        _policy.AttemptTimeout(TimeSpan.Zero).ShouldBe(TimeSpan.FromSeconds(15));
        _policy.AttemptTimeout(TimeSpan.FromSeconds(50)).ShouldBe(TimeSpan.FromSeconds(10));
        _policy.AttemptTimeout(TimeSpan.FromSeconds(58)).ShouldBe(TimeSpan.FromSeconds(5));
        _policy.AttemptTimeout(TimeSpan.FromSeconds(90)).ShouldBe(TimeSpan.FromSeconds(5));
    }
}
