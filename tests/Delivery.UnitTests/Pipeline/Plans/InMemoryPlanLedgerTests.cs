using Delivery.Plans;
using Delivery.Testing;

namespace Delivery.UnitTests.Pipeline.Plans;

/// <summary>The test double keeps the ledger's contract, so pipeline tests built on it test what DynamoDB would do.</summary>
public sealed class InMemoryPlanLedgerTests
{
    private static readonly BatchPlan Plan = new(
    [
        new BatchSource("clicks", "shardId-000000000001", new ShardPosition("100"), new ShardPosition("190")),
        new BatchSource("clicks", "shardId-000000000002", new ShardPosition("200"), new ShardPosition("290")),
    ]);

    [Fact]
    public async Task CommitAndAbortRacing_OneWins_AndBothCallersSeeTheWinner()
    {
        for (int round = 0; round < 50; round++)
        {
            var ledger = new InMemoryPlanLedger { Before = async (_, _) => await Task.Yield() };

            PlanEntry[] seen = await Task.WhenAll(
                Task.Run(() => ledger.CommitAsync(Plan, CancellationToken.None)),
                Task.Run(() => ledger.AbortAsync(Plan.Id, CancellationToken.None)));

            seen[0].State.ShouldBe(seen[1].State, $"round {round}");
            seen[0].State.ShouldBeOneOf(PlanState.Committed, PlanState.Aborted);
            ledger[Plan.Id].State.ShouldBe(seen[0].State);
        }
    }

    [Fact]
    public async Task ACommitWhoseAnswerWasLost_IsFoundCommittedWhenPutAgain()
    {
        var ledger = new InMemoryPlanLedger();
        ledger.FailNext(PlanLedgerOperation.Commit, new TimeoutException("answer lost"), afterEffect: true);

        await Should.ThrowAsync<TimeoutException>(() => ledger.CommitAsync(Plan, CancellationToken.None));
        PlanEntry again = await ledger.CommitAsync(Plan, CancellationToken.None);

        again.State.ShouldBe(PlanState.Committed);
        again.Ranges.ShouldBe(Plan.Ranges);
        (await ledger.AbortAsync(Plan.Id, CancellationToken.None)).State.ShouldBe(PlanState.Committed, "a tombstone never replaces a commit");
    }

    [Fact]
    public async Task AFailureBeforeTheEffect_LeavesNoItem()
    {
        var ledger = new InMemoryPlanLedger();
        ledger.FailNext(PlanLedgerOperation.Commit, new TimeoutException("no answer"));

        await Should.ThrowAsync<TimeoutException>(() => ledger.CommitAsync(Plan, CancellationToken.None));

        ledger[Plan.Id].State.ShouldBe(PlanState.Absent);
        (await ledger.AbortAsync(Plan.Id, CancellationToken.None)).State.ShouldBe(PlanState.Aborted);
        (await ledger.CommitAsync(Plan, CancellationToken.None)).State.ShouldBe(PlanState.Aborted, "an aborted plan can never be committed");
    }

    [Fact]
    public async Task MarkingWritten_NeedsACommittedPlan_AndIsIdempotent()
    {
        var ledger = new InMemoryPlanLedger();
        (await Should.ThrowAsync<DeliveryException>(() => ledger.MarkWrittenAsync(Plan.Id, CancellationToken.None))).ErrorCode.ShouldBe("Plans.NotCommitted");
        await ledger.CommitAsync(Plan, CancellationToken.None);

        await ledger.MarkWrittenAsync(Plan.Id, CancellationToken.None);
        await ledger.MarkWrittenAsync(Plan.Id, CancellationToken.None);

        PlanEntry written = await ledger.GetAsync(Plan.Id, CancellationToken.None);
        written.State.ShouldBe(PlanState.Written);
        written.Ranges.ShouldBe(Plan.Ranges);
        (await ledger.CommitAsync(Plan, CancellationToken.None)).State.ShouldBe(PlanState.Written);
    }
}
