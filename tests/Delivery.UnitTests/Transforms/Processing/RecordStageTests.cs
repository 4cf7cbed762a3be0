using System.Text;
using Delivery.Transforms.Processing;
using static Delivery.UnitTests.Transforms.TransformTestBatches;

namespace Delivery.UnitTests.Transforms.Processing;

public sealed class RecordStageTests
{
    [Fact]
    public async Task AnExceptionForOneRecord_FailsThatRecord_DropsWhatItHadMadeOfIt_AndTheOthersGoOn()
    {
        DeliveryBatch batch = Of("a", "boom", "c");
        ProcessingRun run = Run(batch);

        IReadOnlyList<ChainRecord> output = await new Doubling().ProcessAsync(run, Records(batch), default);

        Texts(output).ShouldBe(["a", "a", "c", "c"]);
        FailedRecord failed = run.Failures().ShouldHaveSingleItem();
        (failed.Index, failed.ErrorCode, failed.ErrorOutputType).ShouldBe((1, "Processing.UnexpectedError", ErrorOutputTypes.ProcessingFailed));
        failed.ErrorMessage.ShouldBe("Doubling could not process the record: InvalidOperationException: a bug met boom.");
    }

    /// <summary>Makes two records of each, and has a bug that shows between the two for one record.</summary>
    private sealed class Doubling : RecordStage
    {
        public override string Name => "Doubling";

        protected override void Process(ProcessingRun run, in ChainRecord record, List<ChainRecord> output)
        {
            output.Add(record);
            if (Encoding.UTF8.GetString(record.Data.Span) == "boom")
            {
                throw new InvalidOperationException("a bug met boom");
            }

            output.Add(record);
        }
    }
}
