using Delivery.Testing.Fuzzing;
using Delivery.Transforms.Contract;
using Delivery.Transforms.Processing;
using Delivery.UnitTests.Transforms.BuiltIn;
using static Delivery.UnitTests.Transforms.TransformTestBatches;

namespace Delivery.UnitTests.Transforms.Contract;

public sealed class FirehoseResponseReaderFuzzTests
{
    [Fact]
    public void AnyResponse_IsReadOrRefusedWhole_AndEveryRecordThenComesOutOrFailsOnce()
    {
        FuzzCases.Run(3000, random =>
        {
            byte[][] data = [.. Enumerable.Range(0, random.Next(1, 8)).Select(_ => AdversarialJson.Record(random))];
            byte[] response = AdversarialPayloads.TransformResponse(random, data.Length, i => data[i]);
            TransformReplies replies;
            try
            {
                replies = FirehoseResponseReader.Read(response);
            }
            catch (TransformInvocationException ex)
            {
                ex.ErrorCode.ShouldBe(TransformErrorCodes.JsonProcessingException);
                return;
            }

            DeliveryBatch batch = Of(data);
            ProcessingRun run = Run(batch);
            var output = new List<ChainRecord>();
            using (replies)
            {
                ReplyMapper.Apply(run, Records(batch), replies, output, 1, "fuzz");
            }


            BuiltInProcessorFuzzTests.EachRecordOnce(batch, output, run);
        });
    }
}
