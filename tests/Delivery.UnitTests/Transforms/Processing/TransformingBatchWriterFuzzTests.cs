using System.Text;
using Delivery.Destinations.S3;
using Delivery.Testing.Fuzzing;
using Delivery.Transforms.Partitioning;
using Delivery.Transforms.Processing;
using Delivery.UnitTests.Destinations.S3;
using Microsoft.Extensions.Logging.Abstractions;

namespace Delivery.UnitTests.Transforms.Processing;

/// <summary>
/// Generated batches through whole pipelines (<see cref="FuzzPipeline.All"/>): processors, dynamic partitioning and a
/// real S3 writer on a fake S3. Whatever the records hold, the writer returns, and every record of the batch ends up
/// delivered or backed up, exactly once.
/// </summary>
public sealed class TransformingBatchWriterFuzzTests
{
    [Fact]
    public Task EveryRecord_IsDeliveredOrBackedUp_ExactlyOnce_AndTheSameBatchAlwaysWritesTheSameObjects() => FuzzCases.RunAsync(1200, async random =>
    {
        FuzzPipeline pipeline = FuzzPipeline.All[random.Next(FuzzPipeline.All.Length)];
        DeliveryBatch batch = pipeline.Batch(random);
        int stageSeed = random.Next();

        Delivered delivered = await DeliverAsync(pipeline, batch, stageSeed);

        delivered.ShouldHoldEachRecordOnce(batch, pipeline.Name);
        if (random.Next(4) == 0)
        {
            Delivered again = await DeliverAsync(pipeline, batch, stageSeed);
            again.Objects.ShouldBe(delivered.Objects, "a batch delivered again must write the same objects under the same keys");
        }
    });

    private static async Task<Delivered> DeliverAsync(FuzzPipeline pipeline, DeliveryBatch batch, int stageSeed)
    {
        var s3 = new CapturingS3();
        var recorder = new RecordingDestination(s3.Writer(pipeline.S3));
        await using var writer = new TransformingBatchWriter(
            new ProcessingChain(pipeline.Stages(stageSeed), TransformTestBatches.TestEnvironment),
            pipeline.Partitioning is null ? null : new DynamicPartitioner(pipeline.Partitioning),
            recorder,
            NullLogger<TransformingBatchWriter>.Instance);

        BatchWriteResult result = await writer.WriteAsync(batch, CancellationToken.None);

        return new Delivered(result, recorder.Written, s3.Objects);
    }

    /// <summary>What one delivery did: its result, the batches the destination was given, and the objects S3 received.</summary>
    private sealed record Delivered(BatchWriteResult Result, IReadOnlyList<(DeliveryBatch Batch, BatchWriteResult Result)> Written, List<(string Key, string Body)> Objects)
    {
        public void ShouldHoldEachRecordOnce(DeliveryBatch batch, string pipeline)
        {
            var failed = new HashSet<int>();
            foreach (FailedRecord record in Result.FailedRecords)
            {
                (record.Index >= 0 && record.Index < batch.Records.Count).ShouldBeTrue($"{pipeline}: failed index {record.Index} is outside the batch");
                failed.Add(record.Index).ShouldBeTrue($"{pipeline}: record {record.Index} is reported failed twice");
                record.ErrorCode.ShouldNotBeNullOrEmpty();
                record.ErrorOutputType.ShouldNotBeNullOrEmpty();
            }

            // A part is delivered when the destination took it; parts of one record share its position.
            var delivered = new HashSet<ShardPosition>();
            int objectsExpected = 0;
            foreach ((DeliveryBatch part, BatchWriteResult partResult) in Written)
            {
                var refused = partResult.FailedRecords.Select(record => record.Index).ToHashSet();
                objectsExpected += refused.Count < part.Records.Count ? 1 : 0;
                delivered.UnionWith(part.Records.Where((_, i) => !refused.Contains(i)).Select(record => record.Position));
            }

            for (int i = 0; i < batch.Records.Count; i++)
            {
                bool written = delivered.Contains(batch.Records[i].Position);
                string record = Encoding.UTF8.GetString(batch.Records[i].Data.Span);
                (written && failed.Contains(i)).ShouldBeFalse($"{pipeline}: record {i} was delivered (in part) and backed up: {record}");
                (written || failed.Contains(i)).ShouldBeTrue($"{pipeline}: record {i} was neither delivered nor backed up: {record}");
            }

            Objects.Count.ShouldBe(objectsExpected, $"{pipeline}: one object per written part");
            Objects.Select(item => item.Key).ShouldBeUnique($"{pipeline}: two objects of one batch must not share a key");
        }
    }

    /// <summary>Passes batches to the S3 writer, either way it is used, and keeps what it wrote and what it refused.</summary>
    private sealed class RecordingDestination(S3BatchWriter inner) : IEncodingBatchWriter
    {
        private readonly List<(DeliveryBatch Batch, BatchWriteResult Result)> _written = [];

        public string DestinationType => inner.DestinationType;

        public IReadOnlyList<(DeliveryBatch Batch, BatchWriteResult Result)> Written
        {
            get
            {
                lock (_written)
                {
                    return [.. _written];
                }
            }
        }

        public async Task<BatchWriteResult> WriteAsync(DeliveryBatch batch, CancellationToken cancellationToken)
        {
            BatchWriteResult result = await inner.WriteAsync(batch, cancellationToken);
            Add(batch, result);
            return result;
        }

        public EncodedBatch Encode(DeliveryBatch batch) => new Recorded(this, inner.Encode(batch));

        private void Add(DeliveryBatch batch, BatchWriteResult result)
        {
            lock (_written)
            {
                _written.Add((batch, result));
            }
        }

        /// <summary>Counts as written only when written: encoded batches set aside are not.</summary>
        private sealed class Recorded(RecordingDestination destination, EncodedBatch inner) : EncodedBatch(inner.Batch, inner.FailedRecords)
        {
            public override async Task WriteAsync(CancellationToken cancellationToken)
            {
                await inner.WriteAsync(cancellationToken);
                destination.Add(Batch, new BatchWriteResult(FailedRecords));
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing)
                {
                    inner.Dispose();
                }

                base.Dispose(disposing);
            }
        }
    }
}
