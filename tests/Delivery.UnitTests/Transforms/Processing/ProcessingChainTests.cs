using Delivery.Transforms.BuiltIn;
using Delivery.Transforms.Processing;
using static Delivery.UnitTests.Transforms.TransformTestBatches;

namespace Delivery.UnitTests.Transforms.Processing;

public sealed class ProcessingChainTests
{
    [Fact]
    public async Task AStageThatThrows_FailsTheRecordsItWasGiven_InsteadOfTheBatch()
    {
        DeliveryBatch batch = Of("a", "", "c");
        var chain = new ProcessingChain([new RecordDeAggregationStage(SubRecordType.Delimited), new Broken(), new AppendDelimiterStage("\n"u8.ToArray())], TestEnvironment);

        ProcessingOutcome outcome = await chain.RunAsync(batch, default);

        outcome.Records.ShouldBeEmpty();
        outcome.Run.Failures().Select(f => (f.Index, f.ErrorCode)).ShouldBe(
            [(0, "Processing.UnexpectedError"), (1, TransformErrorCodes.DeAggregationEmpty), (2, "Processing.UnexpectedError")]);
        outcome.Run.Failures()[0].ErrorMessage.ShouldBe("Broken failed: NullReferenceException: a bug.");
    }

    [Fact]
    public async Task Cancellation_IsNotAFailure_ItStopsTheBatch()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        var chain = new ProcessingChain([new Broken()], TestEnvironment);

        await Should.ThrowAsync<OperationCanceledException>(() => chain.RunAsync(Of("a"), cancellation.Token));
    }

    /// <summary>A stage with a bug: it throws for any batch (and honours cancellation first).</summary>
    private sealed class Broken : IProcessingStage
    {
        public string Name => "Broken";

        public ValueTask<IReadOnlyList<ChainRecord>> ProcessAsync(ProcessingRun run, IReadOnlyList<ChainRecord> records, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new NullReferenceException("a bug");
        }
    }
}
