using Delivery.Telemetry;
using Delivery.Testing;
using Delivery.Transforms;
using Delivery.Transforms.BuiltIn;
using Delivery.Transforms.Contract;
using Delivery.Transforms.Partitioning;
using Delivery.Transforms.Plugins;
using Delivery.Transforms.Processing;
using Delivery.Transforms.Query;
using Delivery.UnitTests.Transforms.Plugins;
using Microsoft.Extensions.Logging.Abstractions;
using static Delivery.UnitTests.Transforms.TransformTestBatches;

namespace Delivery.UnitTests.Telemetry;

/// <summary>Transform invocations and dynamic partitions are measured under Firehose's names.</summary>
public sealed class TransformMetricsTests : IDisposable
{
    private readonly DeliveryMetrics _metrics = new(new FakeTimeProvider());
    private readonly MeterCapture _capture;
    private readonly string _pipeline = LocalAwsStack.UniqueName("transform");

    public TransformMetricsTests()
    {
        _capture = new MeterCapture(_metrics.Meter);
    }

    [Fact]
    public async Task Invocations_RecordSuccessAndTheRecordsTheyReturned_AndPartitionsTheirCountAndOverflow()
    {
        // "b" is dropped, the others come back upper-cased; then partitioned by .c with a cap of 2 of the 3 partitions.
        DeliveryBatch batch = Of("""{"c":"x"}""", """{"c":"b"}""", """{"c":"y"}""", """{"c":"z"}""");
        var environment = TestEnvironment with { Telemetry = _metrics.ForPipeline(_pipeline) };
        var plugin = new PluginTransformStage(
            new DelegateTransform(record => Text(record.Data).Contains("\"b\"", StringComparison.Ordinal) ? TransformedRecord.Dropped(record.RecordId) : TransformedRecord.Ok(record.RecordId, record.Data)),
            "plugin:Test", "p", new InvocationSettings { BufferSizeBytes = 1 << 20, NumberOfRetries = 0, Timeout = TimeSpan.FromSeconds(30) }, TimeProvider.System, NullLogger<PluginTransformStage>.Instance);
        var writer = new TransformingBatchWriter(
            new ProcessingChain([plugin, new MetadataExtractionStage(JqQuery.Parse("{c: .c}"))], environment),
            new DynamicPartitioner(new PartitioningSettings { QueryKeys = ["c"], LambdaKeys = [], MaxActivePartitions = 2 }),
            new NullDestination(),
            NullLogger<TransformingBatchWriter>.Instance);

        BatchWriteResult result = await writer.WriteAsync(batch, default);

        result.FailedRecords.ShouldHaveSingleItem().ErrorOutputType.ShouldBe(ErrorOutputTypes.PartitionCountExceeded);
        _capture.Values("ExecuteProcessing.Success", _pipeline).ShouldBe(new double[] { 1 });
        _capture.Values("ExecuteProcessing.Duration", _pipeline).Count.ShouldBe(1);
        _capture.Sum("SucceedProcessing.Records", _pipeline).ShouldBe(3);
        _capture.Sum("SucceedProcessing.Bytes", _pipeline).ShouldBe(3 * """{"c":"x"}""".Length);
        _capture.Observe("PartitionCount").Where(m => Equals(m.Tags[DeliveryMetrics.DeliveryStreamNameTag], _pipeline)).ShouldHaveSingleItem().Value.ShouldBe(2);
        _capture.Observe("PartitionCountExceeded").Where(m => Equals(m.Tags[DeliveryMetrics.DeliveryStreamNameTag], _pipeline)).ShouldHaveSingleItem().Value.ShouldBe(1);
    }

    public void Dispose()
    {
        _capture.Dispose();
        _metrics.Dispose();
    }

    private sealed class NullDestination : IBatchWriter
    {
        public string DestinationType => "s3";

        public Task<BatchWriteResult> WriteAsync(DeliveryBatch batch, CancellationToken cancellationToken) => Task.FromResult(BatchWriteResult.Delivered);
    }
}
