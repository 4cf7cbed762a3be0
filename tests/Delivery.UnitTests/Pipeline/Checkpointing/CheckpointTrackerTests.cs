using Delivery.Pipeline.Checkpointing;

namespace Delivery.UnitTests.Pipeline.Checkpointing;

public sealed class CheckpointTrackerTests
{
    private static readonly PlannedBatch A = new(Records.Position(1), Records.Position(10));
    private static readonly PlannedBatch B = new(Records.Position(11), Records.Position(20));
    private static readonly PlannedBatch C = new(Records.Position(21), Records.Position(30));

    [Fact]
    public void Checkpoint_IsNotAdvanced_WhenAnEarlierBatchIsStillInFlight()
    {
        var tracker = new CheckpointTracker(null);
        tracker.Register(A);
        tracker.Register(B);
        tracker.Register(C);

        tracker.Acknowledge(B).ShouldBeFalse();
        tracker.Acknowledge(C).ShouldBeFalse();
        tracker.Checkpoint.ShouldBeNull();
        tracker.PendingBatches().ShouldBe([A, B, C], "acknowledged batches after a gap are still cut points a new owner must reuse");

        tracker.Acknowledge(A).ShouldBeTrue();
        tracker.Checkpoint.ShouldBe(C.Last);
        tracker.PendingBatches().ShouldBeEmpty();
    }

    [Fact]
    public void Batches_MustBeRegisteredInShardOrder()
    {
        var tracker = new CheckpointTracker(Records.Position(10));

        Should.Throw<InvalidOperationException>(() => tracker.Register(A)).Message.ShouldContain("does not follow");
        tracker.Register(B);
        Should.Throw<InvalidOperationException>(() => tracker.Register(B));
    }

    [Fact]
    public void Acknowledging_AnUnknownBatch_IsAnError()
    {
        var tracker = new CheckpointTracker(null);
        tracker.Register(A);

        Should.Throw<InvalidOperationException>(() => tracker.Acknowledge(B));
    }

    [Fact]
    public void Version_ChangesWithEveryRegistrationAndAcknowledgement()
    {
        var tracker = new CheckpointTracker(null);
        long start = tracker.Version;
        tracker.Register(A);
        long registered = tracker.Version;
        tracker.Acknowledge(A);

        registered.ShouldBeGreaterThan(start);
        tracker.Version.ShouldBeGreaterThan(registered);
    }
}
